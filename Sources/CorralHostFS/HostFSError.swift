#if canImport(Glibc)
import Glibc
#endif

/// A refused or failed operation on a host path that a task can write (an allocation directory, an
/// image): what was done, on which path, and why (the errno, or a reason of corral's own).
package struct HostFSError: Error, Equatable, Sendable, CustomStringConvertible {
    package var operation: String
    package var path: String
    package var errno: Int32
    /// Said instead of the errno's text when corral refused on its own ("not a regular file").
    package var reason: String?

    package init(operation: String, path: String, errno: Int32, reason: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.reason = reason
    }

    /// The path (or a component of it) does not exist.
    package var isMissing: Bool { errno == ENOENT }

    /// The path was refused because a component is a symlink (ELOOP from RESOLVE_NO_SYMLINKS or
    /// O_NOFOLLOW), leads elsewhere (EXDEV: `..`, an absolute path, a mount point) or is not a
    /// directory where one was needed (ENOTDIR).
    package var isUnsafePath: Bool { errno == ELOOP || errno == EXDEV || errno == ENOTDIR }

    package var description: String {
        "\(operation) \(path): \(reason ?? Self.explain(errno))"
    }

    static func explain(_ code: Int32) -> String {
        switch code {
        case ELOOP: "a symbolic link is in the way (links are not followed here)"
        case EXDEV: "the path leaves its directory (\"..\", an absolute link or a mount point)"
        default: String(cString: strerror(code))
        }
    }
}

/// What kind of file a mode (`st_mode`) is, for messages.
package func fileTypeName(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFREG: "a regular file"
    case S_IFDIR: "a directory"
    case S_IFLNK: "a symbolic link"
    case S_IFIFO: "a FIFO"
    case S_IFSOCK: "a socket"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    default: "a file of unknown type"
    }
}
