#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with the operation and the path it concerned.
package struct SyscallError: Error, Equatable, CustomStringConvertible {
    /// What was being done, e.g. `"create state directory"` or `"pipe2"`.
    package let operation: String
    /// The `errno` value.
    package let errno: Int32
    /// The file involved, if any.
    package let path: String?

    package init(_ operation: String, errno: Int32, path: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.path = path
    }

    /// Captures the current `errno`.
    package static func current(_ operation: String, path: String? = nil) -> SyscallError {
        SyscallError(operation, errno: Glibc.errno, path: path)
    }

    package var description: String {
        let reason = errnoDescription(errno)
        if let path { return "\(operation) \"\(path)\": \(reason)" }
        return "\(operation): \(reason)"
    }
}

/// `strerror` text for an errno value.
package func errnoDescription(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}
