/// One problem in a job file, where it is: `file:line:column: message`, then the line and a caret.
public struct JobspecDiagnostic: Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition
    public var message: String
    /// The source line the position is on (for the caret display); empty when unknown.
    public var sourceLine: String

    public init(file: String, position: SourcePosition, message: String, sourceLine: String = "") {
        self.file = file
        self.position = position
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `web.hcl:12:15: unknown attribute "memry" in resources (did you mean "memory"?)`, then the
    /// source line and a caret under the column (tabs before it kept, so it lines up; a long line
    /// shown around the column only). Line 0 means no position: `web.hcl: message`.
    public var description: String {
        guard position.line > 0 else { return "\(file): \(message)" }
        var text = "\(file):\(position.line):\(position.column): \(message)"
        if !sourceLine.isEmpty {
            let (shown, caretIndex) = Self.excerpt(of: sourceLine, column: position.column)
            let caretPad = String(String.UnicodeScalarView(shown.unicodeScalars.prefix(caretIndex).map { $0 == "\t" ? "\t" : " " }))
            text += "\n    \(shown)\n    \(caretPad)^"
        }
        return text
    }

    /// Scalars shown of a long line, on each side of the column.
    static let excerptRadius = 60

    /// The part of `line` shown, and how many of its scalars come before the caret.
    static func excerpt(of line: String, column: Int) -> (String, Int) {
        let scalars = Array(line.unicodeScalars)
        let caret = min(max(column - 1, 0), scalars.count)
        guard scalars.count > 2 * excerptRadius else { return (line, caret) }
        let start = max(caret - excerptRadius, 0), end = min(caret + excerptRadius, scalars.count)
        var shown = String.UnicodeScalarView(scalars[start..<end])
        var caretIndex = caret - start
        if start > 0 {
            shown.insert(contentsOf: "...".unicodeScalars, at: shown.startIndex)
            caretIndex += 3
        }
        if end < scalars.count { shown.append(contentsOf: "...".unicodeScalars) }
        return (String(shown), caretIndex)
    }
}

/// Every problem found in a job file (validation collects them all, not just the first).
public struct JobspecError: Error, Equatable, Sendable, CustomStringConvertible {
    public var diagnostics: [JobspecDiagnostic]

    public init(_ diagnostics: [JobspecDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
