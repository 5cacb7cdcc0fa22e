#if canImport(Glibc)
import Glibc
#endif

/// Why a cgroup operation failed. Every case names what the operator can act on: the file, the
/// value written, the controller, and the kernel's errno.
package enum CgroupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call on a cgroup file or directory failed.
    case system(operation: String, path: String, value: String?, errno: Int32)
    /// A limit needs a controller this host does not offer (not compiled in, disabled, or not mounted).
    case unavailable(controller: String, reason: String)
    /// The requested limits contradict each other or are out of range.
    case invalidLimit(String)
    /// A task's cgroup already exists: corral never adopts a directory it did not create.
    case exists(path: String)
    /// Processes were still in the cgroup after it was killed.
    case notEmpty(path: String, remaining: Int)
    /// A cgroup file held something we could not parse.
    case unreadable(path: String, reason: String)

    package var description: String {
        switch self {
        case let .system(operation, path, value, code):
            let reason = "\(String(cString: strerror(code))) (errno \(code))"
            if let value { return "\(operation): write \"\(value)\" to \(path): \(reason)" }
            return "\(operation) \(path): \(reason)"
        case let .unavailable(controller, reason):
            return "the cgroup controller \"\(controller)\" is not available on this host: \(reason)"
        case let .invalidLimit(text):
            return text
        case let .exists(path):
            return "cgroup \(path) already exists: corral only uses cgroups it creates"
        case let .notEmpty(path, remaining):
            return "cgroup \(path) still has \(remaining) process(es) after they were killed"
        case let .unreadable(path, reason):
            return "cannot parse \(path): \(reason)"
        }
    }
}
