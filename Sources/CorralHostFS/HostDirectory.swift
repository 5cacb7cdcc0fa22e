#if canImport(Glibc)
import Glibc
#endif
import CCorralHost

/// An open directory through which paths a task can write are resolved without following links:
/// every component beneath it is looked up with openat2 (`RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
/// RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV`), so a symlink, a `..` or a mount point planted anywhere
/// on the way is an error, never a path elsewhere on the host. Files are opened `O_NONBLOCK |
/// O_NOCTTY` (a FIFO cannot hang the opener) and must be regular.
///
/// Sendable: the fd is immutable and only closed in `deinit`, when no one can use it any more.
package final class HostDirectory: Sendable {
    package let fd: Int32
    /// For messages only: never resolved again.
    package let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Opens a directory that corral itself owns (an allocation directory, a data directory): its
    /// path is trusted as a whole; what lies beneath it is not.
    package static func open(trusted path: String) throws(HostFSError) -> HostDirectory {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw HostFSError(operation: "open directory", path: path, errno: errno) }
        return HostDirectory(fd: fd, path: path)
    }

    /// The directory `relative` beneath this one, resolved without following links.
    package func directory(_ relative: String) throws(HostFSError) -> HostDirectory {
        do {
            let child = try openBeneath(relative, flags: O_RDONLY | O_DIRECTORY, operation: "open directory")
            return HostDirectory(fd: child, path: join(relative))
        } catch where error.errno == ENOTDIR {
            // O_DIRECTORY|O_NOFOLLOW on a link says ENOTDIR: say what is there instead.
            throw kind(of: relative).map { mode in
                mode & S_IFMT == S_IFLNK
                    ? HostFSError(operation: "open directory", path: join(relative), errno: ELOOP)
                    : HostFSError(operation: "open directory", path: join(relative), errno: ENOTDIR,
                                  reason: "not a directory (\(fileTypeName(mode)))")
            } ?? error
        }
    }

    /// The file type bits of `relative` (a link at the end described, not followed).
    private func kind(of relative: String) -> mode_t? {
        let fd = corral_openat2(self.fd, relative, corral_o_path() | O_NOFOLLOW, Int32(CORRAL_BENEATH))
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        return fstat(fd, &info) == 0 ? info.st_mode : nil
    }

    /// The regular file `relative` beneath this one, opened for reading without following links or
    /// blocking; anything else (a FIFO, a device, a socket, a directory) is refused.
    package func regularFile(_ relative: String) throws(HostFSError) -> HostFile {
        let fd = try openBeneath(relative, flags: O_RDONLY | O_NONBLOCK, operation: "open")
        return try HostFile(adopting: fd, path: join(relative))
    }

    /// The device and inode of `relative` (a symlink at the end is described, not followed), or nil
    /// when it cannot be reached without following a link.
    package func identity(of relative: String) -> FileIdentity? {
        let fd = corral_openat2(self.fd, relative, corral_o_path() | O_NOFOLLOW, Int32(CORRAL_BENEATH))
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return FileIdentity(info)
    }

    private func openBeneath(_ relative: String, flags: Int32, operation: String) throws(HostFSError) -> Int32 {
        let fd = corral_openat2(self.fd, relative, flags | O_NOFOLLOW, Int32(CORRAL_BENEATH))
        guard fd >= 0 else { throw HostFSError(operation: operation, path: join(relative), errno: 0 - fd) }
        return fd
    }

    private func join(_ relative: String) -> String {
        path.hasSuffix("/") ? path + relative : path + "/" + relative
    }
}

/// A file's device and inode: the same pair is the same file (a rotated log is another one).
package struct FileIdentity: Equatable, Hashable, Sendable {
    package var device: UInt64
    package var inode: UInt64

    package init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    package init(_ info: stat) {
        self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
