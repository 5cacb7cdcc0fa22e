import CorralRunner
import Glibc

/// The runner's task directories on the host (DESIGN.md §4): plain directories, with each task's
/// `secrets/` a private tmpfs (mode 0700, `nosuid,nodev,noexec`, 1 MiB, as Nomad), so secrets never
/// reach the disk. Needs CAP_SYS_ADMIN for the mount; `destroy` unmounts before it removes.
public struct HostTaskDirBuilder: TaskDirBuilder {
    /// The tmpfs size for `secrets/`.
    public var secretsSizeBytes: Int

    public init(secretsSizeBytes: Int = 1 << 20) {
        self.secretsSizeBytes = secretsSizeBytes
    }

    public func build(_ directory: TaskDirectory) async throws {
        try Self.makeParents(of: directory.allocDir)
        for (path, mode) in [(directory.allocDir, 0o755), (directory.sharedDir, 0o755), (directory.sharedDataDir, 0o777),
                             (directory.logDir, 0o777), (directory.sharedTmpDir, 0o1777), (directory.taskDir, 0o755),
                             (directory.localDir, 0o777), (directory.secretsDir, 0o700), (directory.tmpDir, 0o1777)] {
            try Self.makeDirectory(path, mode: mode_t(mode))
        }
        guard try !Self.isMountPoint(Self.realPath(directory.secretsDir)) else { return }
        let flags = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)
        guard mount("tmpfs", directory.secretsDir, "tmpfs", flags, "mode=0700,size=\(secretsSizeBytes)") == 0 else {
            throw AllocDirError(operation: "mount tmpfs", path: directory.secretsDir, errno: errno)
        }
    }

    public func destroy(allocDir: String) async throws {
        guard allocDir.hasPrefix("/") else { throw AllocDirError(operation: "remove", path: allocDir, errno: EINVAL) }
        // Mount points are listed by their real path: resolve the allocation root's symlinks first.
        guard let resolved = realpath(allocDir, nil) else {
            if errno == ENOENT { return }
            throw AllocDirError(operation: "resolve", path: allocDir, errno: errno)
        }
        let root = String(cString: resolved)
        free(resolved)
        // Unmount every task's secrets first: removing files must never descend into a live mount.
        for mountPoint in try Self.mountPoints(below: root).sorted(by: { $0.count > $1.count }) {
            guard umount2(mountPoint, Int32(MNT_DETACH)) == 0 || errno == EINVAL || errno == ENOENT else {
                throw AllocDirError(operation: "unmount", path: mountPoint, errno: errno)
            }
        }
        try Self.removeTree(root)
    }

    /// Creates the allocation root and its missing parents (0711: traversable, not listable).
    static func makeParents(of path: String) throws(AllocDirError) {
        guard path.hasPrefix("/") else {
            throw AllocDirError(operation: "mkdir (the allocation root must be absolute)", path: path, errno: EINVAL)
        }
        var prefix = ""
        for component in path.split(separator: "/").dropLast() {
            prefix += "/" + component
            if mkdir(prefix, 0o711) != 0, errno != EEXIST { throw AllocDirError(operation: "mkdir", path: prefix, errno: errno) }
        }
    }

    static func makeDirectory(_ path: String, mode: mode_t) throws(AllocDirError) {
        if mkdir(path, mode) != 0, errno != EEXIST { throw AllocDirError(operation: "mkdir", path: path, errno: errno) }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw AllocDirError(operation: "stat", path: path, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw AllocDirError(operation: "mkdir", path: path, errno: ENOTDIR) }
        // umask narrowed mkdir's mode; the layout's modes are exact.
        guard chmod(path, mode) == 0 else { throw AllocDirError(operation: "chmod", path: path, errno: errno) }
    }

    static func realPath(_ path: String) throws(AllocDirError) -> String {
        guard let resolved = realpath(path, nil) else { throw AllocDirError(operation: "resolve", path: path, errno: errno) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` (a real path) is a mount point, from /proc/self/mountinfo.
    static func isMountPoint(_ path: String) throws -> Bool {
        try mountPoints(below: path).contains(path)
    }

    /// Mount points at or below `root` (from /proc/self/mountinfo; octal escapes decoded).
    static func mountPoints(below root: String) throws -> [String] {
        guard let file = fopen("/proc/self/mountinfo", "re") else {
            throw AllocDirError(operation: "read", path: "/proc/self/mountinfo", errno: errno)
        }
        defer { fclose(file) }
        var points: [String] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let fields = String(cString: line).split(separator: " ")
            guard fields.count > 4 else { continue }
            let point = unescape(String(fields[4]))
            if point == root || point.hasPrefix(root + "/") { points.append(point) }
        }
        return points
    }

    static func unescape(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Removes a tree through directory file descriptors (`openat` with `O_NOFOLLOW`, `unlinkat`):
    /// a task that swaps a directory for a symlink while this runs cannot redirect it outside the
    /// tree, and nothing on another file system (a mount left behind) is descended into.
    static func removeTree(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return }
            throw AllocDirError(operation: "open", path: path, errno: errno)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw AllocDirError(operation: "stat", path: path, errno: errno)
        }
        try removeContents(of: fd, path: path, device: info.st_dev)
        guard rmdir(path) == 0 else { throw AllocDirError(operation: "rmdir", path: path, errno: errno) }
    }

    /// Empties the directory `fd` (taken over and closed): files unlinked, subdirectories on the same
    /// device emptied and removed.
    private static func removeContents(of fd: Int32, path: String, device: dev_t) throws {
        guard let dir = fdopendir(fd) else {
            close(fd)
            throw AllocDirError(operation: "opendir", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        let dirFD = dirfd(dir)
        for name in names {
            let child = path + "/" + name
            var info = stat()
            guard fstatat(dirFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                if errno == ENOENT { continue }
                throw AllocDirError(operation: "stat", path: child, errno: errno)
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                guard info.st_dev == device else {
                    throw AllocDirError(operation: "remove (another file system is mounted there)", path: child, errno: EBUSY)
                }
                let childFD = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard childFD >= 0 else { throw AllocDirError(operation: "open", path: child, errno: errno) }
                try removeContents(of: childFD, path: child, device: device)
                guard unlinkat(dirFD, name, AT_REMOVEDIR) == 0 else {
                    throw AllocDirError(operation: "rmdir", path: child, errno: errno)
                }
            } else {
                guard unlinkat(dirFD, name, 0) == 0 || errno == ENOENT else {
                    throw AllocDirError(operation: "unlink", path: child, errno: errno)
                }
            }
        }
    }
}

/// A failed file-system call while building or removing an allocation directory.
public struct AllocDirError: Error, Equatable, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}
