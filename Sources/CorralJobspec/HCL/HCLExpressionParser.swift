/// Values: literals only. Strings and heredocs, numbers (a leading `-` on a number literal),
/// `true`/`false`/`null`, lists and objects. What would need evaluating is refused at its place.
extension HCLTokenParser {
    /// Binary operators, refused after a value.
    private static let binaryOperators: Set<String> = ["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"]

    mutating func parseExpression() throws(JobspecError) -> HCLExpression {
        let token = current
        let expression: HCLExpression
        switch token.kind {
        case .string(let value, _), .heredoc(let value):
            advance()
            expression = HCLExpression(.string(value), range: token.range)
        case .number(let text):
            advance()
            expression = try number(text, range: token.range)
        case .symbol("-"):
            advance()
            guard case .number(let text) = current.kind else {
                throw error(at: token.start, "job files hold literal values only: \"-\" may only come before a number")
            }
            let range = SourceRange(start: token.start, end: current.range.end)
            advance()
            expression = try number("-" + text, range: range)
        case .identifier("true"):
            advance()
            expression = HCLExpression(.bool(true), range: token.range)
        case .identifier("false"):
            advance()
            expression = HCLExpression(.bool(false), range: token.range)
        case .identifier("null"):
            advance()
            expression = HCLExpression(.null, range: token.range)
        case .identifier(let name):
            throw unsupportedReference(name, at: token)
        case .symbol("["):
            expression = try parseList()
        case .symbol("{"):
            expression = try parseObject()
        case .symbol("("):
            throw error(at: token.start, "job files hold literal values only: parenthesized expressions are not supported")
        case .symbol("!"):
            throw error(at: token.start, "job files hold literal values only: operators like \"!\" are not supported")
        default:
            throw error(at: token.start, "expected a value (a string, number, bool, null, list or object), "
                + "found \(token.description)")
        }
        try refuseOperator(after: expression)
        return expression
    }

    private func number(_ text: String, range: SourceRange) throws(JobspecError) -> HCLExpression {
        guard let value = Double(text), value.isFinite else {
            throw error(at: range.start, "the number \(text) is out of range")
        }
        return HCLExpression(.number(value, text: text), range: range)
    }

    /// A value followed by an operator, an index or an attribute access (on the same line).
    private func refuseOperator(after expression: HCLExpression) throws(JobspecError) {
        guard case .symbol(let symbol) = current.kind else { return }
        let message: String
        switch symbol {
        case _ where Self.binaryOperators.contains(symbol):
            message = "operators like \"\(symbol)\" are not supported"
        case "?":
            message = "conditional expressions (\"condition ? a : b\") are not supported"
        case ".":
            message = "attribute access and splats (\".\") are not supported"
        case "[":
            message = "indexing (\"[...]\") is not supported"
        default:
            return
        }
        throw error(at: current.start, "job files hold literal values only: \(message)")
    }

    /// A name where a value should be: a variable, a function call or a traversal; says which.
    private func unsupportedReference(_ name: String, at token: HCLToken) -> JobspecError {
        if peek(1).isSymbol("(") {
            return error(at: token.start, "job files hold literal values only: function calls like \"\(name)(...)\" are not supported")
        }
        var shown = name
        var ahead = 1
        while peek(ahead).isSymbol("."), ahead < 16 {
            switch peek(ahead + 1).kind {
            case .identifier(let part): shown += "." + part
            case .number(let part): shown += "." + part
            case .symbol("*"): shown += ".*"
            default: shown += "."
            }
            ahead += 2
        }
        if peek(ahead).isSymbol("[") { shown += "[...]" }
        var message = "job files hold literal values only: expressions like \"\(shown)\" are not supported"
        if shown == name { message += " (to write the text \(name), quote it: \"\(name)\")" }
        return error(at: token.start, message)
    }

    /// `for` right after `[` or `{`, followed by a name: a for-expression.
    private func refuseForExpression() throws(JobspecError) {
        guard case .identifier("for") = current.kind, case .identifier = peek(1).kind else { return }
        throw error(at: current.start, "job files hold literal values only: for-expressions are not supported")
    }

    /// `[ value, value, ... ]`: newlines anywhere between, a trailing comma allowed.
    private mutating func parseList() throws(JobspecError) -> HCLExpression {
        let open = current
        try enterNesting(at: open)
        advance()
        skipNewlines()
        try refuseForExpression()
        var elements: [HCLExpression] = []
        while true {
            skipNewlines()
            if current.isSymbol("]") { break }
            if case .endOfFile = current.kind { throw unterminated("list", open: open, close: "]") }
            elements.append(try parseExpression())
            skipNewlines()
            if current.isSymbol(",") {
                advance()
                continue
            }
            if current.isSymbol("]") { break }
            if case .endOfFile = current.kind { throw unterminated("list", open: open, close: "]") }
            throw error(at: current.start, "expected \",\" or \"]\" after a list element, found \(current.description)")
        }
        let close = current
        advance()
        depth -= 1
        return HCLExpression(.list(elements), range: SourceRange(start: open.start, end: close.range.end))
    }

    /// `{ key = value, "key" = value, key: value }`: items apart by commas or newlines, a trailing
    /// comma allowed; a key set twice is an error.
    private mutating func parseObject() throws(JobspecError) -> HCLExpression {
        let open = current
        try enterNesting(at: open)
        advance()
        skipNewlines()
        try refuseForExpression()
        var items: [HCLObjectItem] = []
        var keysSeen: [String: SourcePosition] = [:]
        while true {
            skipNewlines()
            let keyToken = current
            let key: String
            switch keyToken.kind {
            case .symbol("}"):
                let close = current
                advance()
                depth -= 1
                return HCLExpression(.object(items), range: SourceRange(start: open.start, end: close.range.end))
            case .endOfFile:
                throw unterminated("object", open: open, close: "}")
            case .identifier(let name), .string(let name, _):
                key = name
            default:
                throw error(at: keyToken.start, "expected an object key (a name or a quoted string), found \(keyToken.description)")
            }
            advance()
            guard current.isSymbol("=") || current.isSymbol(":") else {
                throw error(at: current.start, "expected \"=\" or \":\" after the object key \"\(key)\", found \(current.description)")
            }
            advance()
            let value = try parseExpression()
            if let first = keysSeen[key] {
                throw error(at: keyToken.start, "key \"\(key)\" is set twice in this object (first at \(first))")
            }
            keysSeen[key] = keyToken.start
            items.append(HCLObjectItem(key: key, keyRange: keyToken.range, value: value))
            switch current.kind {
            case .symbol(","):
                advance()
            case .newline, .symbol("}"):
                break
            case .endOfFile:
                throw unterminated("object", open: open, close: "}")
            default:
                throw error(at: current.start, "expected \",\", a newline or \"}\" after the value of \"\(key)\", "
                    + "found \(current.description)")
            }
        }
    }

    private func unterminated(_ what: String, open: HCLToken, close: String) -> JobspecError {
        let opener = if case .symbol(let text) = open.kind { text } else { "" }
        return error(at: open.start, "unterminated \(what): this \"\(opener)\" has no matching \"\(close)\" "
            + "before the end of the file")
    }
}
