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
    /// source line and a caret under the column.
    public var description: String {
        var text = "\(file):\(position.line):\(position.column): \(message)"
        if !sourceLine.isEmpty {
            let caretPad = String(repeating: " ", count: max(position.column - 1, 0))
            text += "\n    \(sourceLine)\n    \(caretPad)^"
        }
        return text
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
