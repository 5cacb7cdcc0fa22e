import CorralSpelling

/// The problems found while decoding a job (or the agent's configuration file), gathered so that
/// one pass reports all of them.
package struct DiagnosticCollector: Sendable {
    private(set) var entries: [(position: SourcePosition, message: String)] = []

    package init() {}

    package var isEmpty: Bool { entries.isEmpty }

    package mutating func error(_ message: String, at position: SourcePosition) {
        entries.append((position, message))
    }

    /// All problems, sorted by position (those at one place keep their order), each with its
    /// source line from `text`.
    package func jobspecError(file: String, text: String) -> JobspecError {
        let sorted = entries.enumerated().sorted { lhs, rhs in
            lhs.element.position.offset != rhs.element.position.offset
                ? lhs.element.position.offset < rhs.element.position.offset : lhs.offset < rhs.offset
        }
        return JobspecError(sorted.map { entry in
            JobspecDiagnostic(file: file, position: entry.element.position, message: entry.element.message,
                              sourceLine: SourceLines.line(entry.element.position.line, of: text))
        })
    }
}

/// `"text"` with quotes, backslashes and control characters escaped, for names in messages.
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

/// `" (did you mean "memory"?)"` when a name close to `name` is known, else empty.
func suggestion(for name: String, among candidates: [String]) -> String {
    guard let match = EditDistance.closest(to: name, among: candidates) else { return "" }
    return " (did you mean \(quoted(match))?)"
}
