/// One token of HCL native syntax, and the source it spans.
struct HCLToken: Sendable {
    /// What the lexer found.
    enum Kind: Equatable, Sendable {
        /// A name: letters, digits, `_` and `-`, not starting with a digit or `-`.
        case identifier(String)
        /// A number literal as written: `3`, `1.5`, `1e3` (no sign: unary minus is a symbol).
        case number(String)
        /// A quoted string, escapes decoded, template sequences kept verbatim; `hasTemplate` says
        /// whether it holds a `${...}` or `%{...}` sequence.
        case string(String, hasTemplate: Bool)
        /// A heredoc's text (indentation already removed for `<<-`).
        case heredoc(String)
        /// Punctuation or an operator: `{ } [ ] ( ) = : , - + * / % ! ? . < > == != <= >= && || => ...`.
        case symbol(String)
        /// A line break (comments up to it are dropped; the break itself separates body items).
        case newline
        case endOfFile
    }

    var kind: Kind
    var range: SourceRange

    var start: SourcePosition { range.start }

    func isSymbol(_ text: String) -> Bool {
        if case .symbol(text) = kind { true } else { false }
    }

    /// How a diagnostic names the token: `"="`, `"memory"`, `a quoted string`, `a newline`.
    var description: String {
        switch kind {
        case .identifier(let name): "\"\(name)\""
        case .number(let text): "the number \(text)"
        case .string: "a quoted string"
        case .heredoc: "a heredoc"
        case .symbol(let text): "\"\(text)\""
        case .newline: "a newline"
        case .endOfFile: "the end of the file"
        }
    }
}
