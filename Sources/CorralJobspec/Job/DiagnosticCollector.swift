import CorralSpelling

/// The problems found while decoding a job (or the agent's configuration file), gathered so that
/// one pass reports all of them.
package struct DiagnosticCollector: Sendable {
    private(set) var entries: [(position: SourcePosition, message: String)] = []
    /// Problems past `maximumEntries`, counted, not kept.
    private(set) var dropped = 0

    /// The most problems kept: a file built to hold a million of them (a list of empty groups)
    /// must not make the agent hold a million messages.
    package static let maximumEntries = 100

    package init() {}

    package var isEmpty: Bool { entries.isEmpty }

    package mutating func error(_ message: String, at position: SourcePosition) {
        guard entries.count < Self.maximumEntries else {
            dropped += 1
            return
        }
        entries.append((position, message))
    }

    /// All problems, sorted by position (those at one place keep their order), each with its
    /// source line from `text`.
    package func jobspecError(file: String, text: String) -> JobspecError {
        let sorted = entries.enumerated().sorted { lhs, rhs in
            lhs.element.position.offset != rhs.element.position.offset
                ? lhs.element.position.offset < rhs.element.position.offset : lhs.offset < rhs.offset
        }
        let lines = SourceLines.lines(Set(entries.map(\.position.line)), of: text)
        var diagnostics = sorted.map { entry in
            JobspecDiagnostic(file: file, position: entry.element.position, message: entry.element.message,
                              sourceLine: lines[entry.element.position.line] ?? "")
        }
        if dropped > 0 {
            diagnostics.append(JobspecDiagnostic(file: file, position: SourcePosition(line: 0, column: 0, offset: 0),
                                                 message: "\(dropped) more problems not shown (the first \(Self.maximumEntries) found are above)"))
        }
        return JobspecError(diagnostics)
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
