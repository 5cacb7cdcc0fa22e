/// Why a seccomp profile cannot be used: where in which file, and what to change.
package enum SeccompError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not valid JSON, or a field has the wrong type or value. `path` is the JSON path of
    /// the offending field (`syscalls[3].args[0].op`), empty for the document itself.
    case malformed(source: String, path: String, reason: String)
    /// The profile cannot be read.
    case unreadable(source: String, reason: String)
    /// libseccomp refused the profile while compiling it.
    case compile(source: String, what: String, errno: Int32)

    package var description: String {
        switch self {
        case let .malformed(source, path, reason):
            return path.isEmpty ? "\(source): \(reason)" : "\(source): \(path): \(reason)"
        case let .unreadable(source, reason):
            return "\(source): \(reason)"
        case let .compile(source, what, code):
            return "\(source): cannot compile: \(what): errno \(code)"
        }
    }
}
