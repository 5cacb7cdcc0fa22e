/// Values: HCL's expression syntax as Nomad's job files use it. A literal (string, heredoc, number,
/// bool, null, and lists and objects of literals) is read as such; anything else (references,
/// function calls, operators, conditionals, for-expressions, splats, templates with `${...}`) is kept
/// as an `HCLExpr` for `HCLResolver` to evaluate.
///
/// Newlines end an attribute's value, except inside parentheses, brackets and function calls; inside
/// an object's braces they separate its items. Operators bind as HCL's do (`!` and unary `-`, then
/// `* / %`, `+ -`, comparisons, `== !=`, `&&`, `||`, `?:`).
extension HCLTokenParser {
    /// Binary operators from the loosest to the tightest binding.
    private static let precedence: [[String]] = [["||"], ["&&"], ["==", "!="], ["<", ">", "<=", ">="], ["+", "-"], ["*", "/", "%"]]

    /// An attribute's value: a literal `HCLExpression`, or `.unevaluated` holding what needs evaluating.
    mutating func parseExpression() throws(JobspecError) -> HCLExpression {
        let expression = try parseExpr()
        if case .literal(let literal) = expression.kind { return literal }
        return HCLExpression(.unevaluated(expression), range: expression.range)
    }

    // MARK: Operators

    mutating func parseExpr() throws(JobspecError) -> HCLExpr {
        let condition = try parseBinary(level: 0)
        skipIgnoredNewlines()
        guard current.isSymbol("?") else { return condition }
        // Each operator is a level of the tree the evaluator walks: it counts against the nesting limit.
        try enterNesting(at: current)
        defer { depth -= 1 }
        advance()
        skipIgnoredNewlines()
        let whenTrue = try parseExpr()
        skipIgnoredNewlines()
        guard current.isSymbol(":") else {
            throw error(at: current.start, "expected \":\" in the conditional expression \"condition ? a : b\", found \(current.description)")
        }
        advance()
        skipIgnoredNewlines()
        let whenFalse = try parseExpr()
        return HCLExpr(.conditional(condition, whenTrue, whenFalse), range: SourceRange(start: condition.range.start, end: whenFalse.range.end))
    }

    private mutating func parseBinary(level: Int) throws(JobspecError) -> HCLExpr {
        guard level < Self.precedence.count else { return try parseUnary() }
        var left = try parseBinary(level: level + 1)
        var levels = 0
        defer { depth -= levels }
        while true {
            skipIgnoredNewlines()
            guard case .symbol(let symbol) = current.kind, Self.precedence[level].contains(symbol) else { return left }
            try enterNesting(at: current)
            levels += 1
            advance()
            skipIgnoredNewlines()
            let right = try parseBinary(level: level + 1)
            left = HCLExpr(.binary(symbol, left, right), range: SourceRange(start: left.range.start, end: right.range.end))
        }
    }

    private mutating func parseUnary() throws(JobspecError) -> HCLExpr {
        let token = current
        guard token.isSymbol("!") || token.isSymbol("-") else { return try parsePostfix() }
        advance()
        // A negative number literal stays a literal (`-1`, as job files have always written it).
        if token.isSymbol("-"), case .number(let text) = current.kind, !peek(1).isSymbol("."), !peek(1).isSymbol("[") {
            let range = SourceRange(start: token.start, end: current.range.end)
            guard let value = Double("-" + text), value.isFinite else {
                throw error(at: token.start, "the number -\(text) is out of range")
            }
            advance()
            return literal(.number(value, text: "-" + text), range)
        }
        try enterNesting(at: token)
        defer { depth -= 1 }
        let operand = try parseUnary()
        let range = SourceRange(start: token.start, end: operand.range.end)
        return HCLExpr(.unary(token.isSymbol("!") ? "!" : "-", operand), range: range)
    }

    // MARK: Traversals

    private mutating func parsePostfix() throws(JobspecError) -> HCLExpr {
        var value = try parsePrimary()
        var levels = 0
        defer { depth -= levels }
        while true {
            if current.isSymbol(".") || current.isSymbol("[") {
                try enterNesting(at: current)
                levels += 1
            }
            if current.isSymbol(".") {
                advance()
                if current.isSymbol("*") {
                    advance()
                    value = try parseSplat(of: value, legacy: true)
                    continue
                }
                let name: String
                switch current.kind {
                case .identifier(let text): name = text
                case .number(let text) where text.allSatisfy(\.isNumber): name = text
                default:
                    throw error(at: current.start, "expected an attribute name after \".\", found \(current.description)")
                }
                let end = current.range.end
                advance()
                value = text(name, isIndexIn: value) ?? HCLExpr(.attribute(value, name), range: SourceRange(start: value.range.start, end: end))
            } else if current.isSymbol("[") {
                let open = current
                advance()
                if current.isSymbol("*") && peek(1).isSymbol("]") {
                    advance()
                    advance()
                    value = try parseSplat(of: value, legacy: false)
                    continue
                }
                try enterNesting(at: open)
                ignoredNewlines += 1
                skipIgnoredNewlines()
                let key = try parseExpr()
                skipIgnoredNewlines()
                ignoredNewlines -= 1
                depth -= 1
                guard current.isSymbol("]") else {
                    throw error(at: current.start, "expected \"]\" to close the index, found \(current.description)")
                }
                let end = current.range.end
                advance()
                value = HCLExpr(.index(value, key), range: SourceRange(start: value.range.start, end: end))
            } else {
                return value
            }
        }
    }

    /// `list.0`, HCL's legacy index form, as an index.
    private func text(_ name: String, isIndexIn value: HCLExpr) -> HCLExpr? {
        guard let number = Double(name), name.allSatisfy(\.isNumber) else { return nil }
        let key = HCLExpr(.literal(HCLExpression(.number(number, text: name), range: value.range)), range: value.range)
        return HCLExpr(.index(value, key), range: value.range)
    }

    /// What follows a splat: attribute steps (and, for `[*]`, index steps too).
    private mutating func parseSplat(of source: HCLExpr, legacy: Bool) throws(JobspecError) -> HCLExpr {
        var steps: [HCLExpr.SplatStep] = []
        var end = source.range.end
        while true {
            if current.isSymbol("."), case .identifier(let name) = peek(1).kind {
                advance()
                end = current.range.end
                advance()
                steps.append(.attribute(name))
            } else if !legacy && current.isSymbol("[") && !peek(1).isSymbol("*") {
                let open = current
                advance()
                try enterNesting(at: open)
                let key = try parseExpr()
                depth -= 1
                guard current.isSymbol("]") else {
                    throw error(at: current.start, "expected \"]\" to close the index, found \(current.description)")
                }
                end = current.range.end
                advance()
                steps.append(.index(key))
            } else {
                return HCLExpr(.splat(source, steps), range: SourceRange(start: source.range.start, end: end))
            }
        }
    }

    // MARK: Terms

    private mutating func parsePrimary() throws(JobspecError) -> HCLExpr {
        let token = current
        switch token.kind {
        case .string(let value, let hasTemplate):
            advance()
            let contentStart = SourcePosition(line: token.start.line, column: token.start.column + 1, offset: token.start.offset + 1)
            if hasTemplate, let parts = try HCLTemplateParser.parts(of: value, file: source.file, contentStart: contentStart,
                                                                  depth: depth, at: token.start) {
                return HCLExpr(.template(parts), range: token.range)
            }
            return literal(.string(value), token.range)
        case .heredoc(let value):
            advance()
            // The heredoc's text starts on the line after its opening marker.
            var lineEnd = token.start.offset
            while lineEnd < source.bytes.count && source.bytes[lineEnd] != HCLByte.newline { lineEnd += 1 }
            let contentStart = SourcePosition(line: token.start.line + 1, column: 1, offset: lineEnd + 1)
            if let parts = try HCLTemplateParser.parts(of: value, file: source.file, contentStart: contentStart,
                                                       depth: depth, at: token.start) {
                return HCLExpr(.template(parts), range: token.range)
            }
            return literal(.string(value), token.range)
        case .number(let text):
            advance()
            guard let value = Double(text), value.isFinite else {
                throw error(at: token.start, "the number \(text) is out of range")
            }
            return literal(.number(value, text: text), token.range)
        case .identifier("true"):
            advance()
            return literal(.bool(true), token.range)
        case .identifier("false"):
            advance()
            return literal(.bool(false), token.range)
        case .identifier("null"):
            advance()
            return literal(.null, token.range)
        case .identifier(let name):
            advance()
            if current.isSymbol("(") { return try parseCall(name, at: token) }
            return HCLExpr(.variable(name), range: token.range)
        case .symbol("["):
            return try parseTuple()
        case .symbol("{"):
            return try parseObject()
        case .symbol("("):
            try enterNesting(at: token)
            advance()
            ignoredNewlines += 1
            skipIgnoredNewlines()
            let inner = try parseExpr()
            skipIgnoredNewlines()
            ignoredNewlines -= 1
            depth -= 1
            guard current.isSymbol(")") else {
                throw error(at: current.start, "expected \")\" to close the parenthesis opened at \(token.start), found \(current.description)")
            }
            let close = current
            advance()
            return HCLExpr(inner.kind, range: SourceRange(start: token.start, end: close.range.end))
        default:
            throw error(at: token.start, "expected a value (a string, number, bool, null, list, object, name or function call), "
                + "found \(token.description)")
        }
    }

    private func literal(_ kind: HCLExpression.Kind, _ range: SourceRange) -> HCLExpr {
        HCLExpr(.literal(HCLExpression(kind, range: range)), range: range)
    }

    /// `name(a, b, c...)`: newlines allowed between the arguments.
    private mutating func parseCall(_ name: String, at nameToken: HCLToken) throws(JobspecError) -> HCLExpr {
        let open = current
        try enterNesting(at: open)
        advance()
        ignoredNewlines += 1
        defer { ignoredNewlines -= 1 }
        var arguments: [HCLExpr] = []
        var expandsLast = false
        while true {
            skipIgnoredNewlines()
            if current.isSymbol(")") { break }
            if expandsLast {
                throw error(at: current.start, "\"...\" may only follow the last argument of \(name)()")
            }
            arguments.append(try parseExpr())
            skipIgnoredNewlines()
            if current.isSymbol("...") {
                expandsLast = true
                advance()
                skipIgnoredNewlines()
            }
            if current.isSymbol(",") {
                advance()
                continue
            }
            if current.isSymbol(")") { break }
            throw error(at: current.start, "expected \",\" or \")\" after an argument of \(name)(), found \(current.description)")
        }
        let close = current
        advance()
        depth -= 1
        return HCLExpr(.call(name, arguments, expandsLast: expandsLast), range: SourceRange(start: nameToken.start, end: close.range.end))
    }

    /// `for k, v in collection :` (the `for` is current).
    private mutating func parseForHead(closing: String) throws(JobspecError) -> (keyName: String?, valueName: String, collection: HCLExpr) {
        advance()
        guard case .identifier(let first) = current.kind else {
            throw error(at: current.start, "expected a name after \"for\", found \(current.description)")
        }
        advance()
        var keyName: String?
        var valueName = first
        if current.isSymbol(",") {
            advance()
            guard case .identifier(let second) = current.kind else {
                throw error(at: current.start, "expected a second name after \"for \(first),\", found \(current.description)")
            }
            advance()
            keyName = first
            valueName = second
        }
        guard case .identifier("in") = current.kind else {
            throw error(at: current.start, "expected \"in\" in the for-expression, found \(current.description)")
        }
        advance()
        skipIgnoredNewlines()
        let collection = try parseExpr()
        skipIgnoredNewlines()
        guard current.isSymbol(":") else {
            throw error(at: current.start, "expected \":\" after the for-expression's collection, found \(current.description)")
        }
        advance()
        skipIgnoredNewlines()
        return (keyName, valueName, collection)
    }

    /// `if condition` before the closing bracket of a for-expression, if any.
    private mutating func parseForCondition() throws(JobspecError) -> HCLExpr? {
        skipIgnoredNewlines()
        guard case .identifier("if") = current.kind else { return nil }
        advance()
        skipIgnoredNewlines()
        let condition = try parseExpr()
        skipIgnoredNewlines()
        return condition
    }

    /// `[ value, value, ... ]` (newlines anywhere between, a trailing comma allowed), or a for-expression.
    private mutating func parseTuple() throws(JobspecError) -> HCLExpr {
        let open = current
        try enterNesting(at: open)
        advance()
        ignoredNewlines += 1
        defer { ignoredNewlines -= 1 }
        skipIgnoredNewlines()
        if case .identifier("for") = current.kind, case .identifier = peek(1).kind {
            let head = try parseForHead(closing: "]")
            let result = try parseExpr()
            let condition = try parseForCondition()
            guard current.isSymbol("]") else {
                throw error(at: current.start, "expected \"]\" to close the for-expression, found \(current.description)")
            }
            let close = current
            advance()
            depth -= 1
            let clause = HCLExpr.ForClause(keyName: head.keyName, valueName: head.valueName, collection: head.collection, condition: condition)
            return HCLExpr(.forTuple(clause, result: result), range: SourceRange(start: open.start, end: close.range.end))
        }
        var elements: [HCLExpr] = []
        while true {
            skipIgnoredNewlines()
            if current.isSymbol("]") { break }
            if case .endOfFile = current.kind { throw unterminated("list", open: open, close: "]") }
            elements.append(try parseExpr())
            skipIgnoredNewlines()
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
        let range = SourceRange(start: open.start, end: close.range.end)
        let literals = elements.compactMap { element -> HCLExpression? in if case .literal(let l) = element.kind { l } else { nil } }
        if literals.count == elements.count { return literal(.list(literals), range) }
        return HCLExpr(.tuple(elements), range: range)
    }

    /// `{ key = value, "key" = value, key: value, (expression) = value }`: items apart by commas or
    /// newlines, a trailing comma allowed; a key set twice is an error. Or a for-expression.
    private mutating func parseObject() throws(JobspecError) -> HCLExpr {
        let open = current
        try enterNesting(at: open)
        advance()
        let outerIgnored = ignoredNewlines
        ignoredNewlines = 0
        defer { ignoredNewlines = outerIgnored }
        skipNewlines()
        if case .identifier("for") = current.kind, case .identifier = peek(1).kind {
            ignoredNewlines = 1
            let head = try parseForHead(closing: "}")
            let key = try parseExpr()
            skipIgnoredNewlines()
            guard current.isSymbol("=>") else {
                throw error(at: current.start, "expected \"=>\" between the key and the value of an object for-expression, found \(current.description)")
            }
            advance()
            skipIgnoredNewlines()
            let value = try parseExpr()
            var grouped = false
            if current.isSymbol("...") {
                grouped = true
                advance()
            }
            let condition = try parseForCondition()
            guard current.isSymbol("}") else {
                throw error(at: current.start, "expected \"}\" to close the for-expression, found \(current.description)")
            }
            let close = current
            advance()
            depth -= 1
            let clause = HCLExpr.ForClause(keyName: head.keyName, valueName: head.valueName, collection: head.collection, condition: condition)
            return HCLExpr(.forObject(clause, key: key, value: value, grouped: grouped), range: SourceRange(start: open.start, end: close.range.end))
        }
        var members: [HCLExpr.ObjectMember] = []
        var keysSeen: [String: SourcePosition] = [:]
        while true {
            skipNewlines()
            let keyToken = current
            let key: HCLExpr
            switch keyToken.kind {
            case .symbol("}"):
                let close = current
                advance()
                depth -= 1
                return objectExpression(members, range: SourceRange(start: open.start, end: close.range.end))
            case .endOfFile:
                throw unterminated("object", open: open, close: "}")
            case .identifier(let name):
                advance()
                key = literal(.string(name), keyToken.range)
            case .string(let name, false):
                advance()
                key = literal(.string(name), keyToken.range)
            case .string, .symbol("("):
                key = try parsePrimary()
            default:
                throw error(at: keyToken.start, "expected an object key (a name or a quoted string), found \(keyToken.description)")
            }
            let keyName: String? = if case .literal(let literalKey) = key.kind, case .string(let name) = literalKey.kind { name } else { nil }
            let keyText = keyName.map { "the object key \"\($0)\"" } ?? "the object key"
            guard current.isSymbol("=") || current.isSymbol(":") else {
                throw error(at: current.start, "expected \"=\" or \":\" after \(keyText), found \(current.description)")
            }
            advance()
            let value = try parseExpr()
            if case .literal(let literalKey) = key.kind, case .string(let name) = literalKey.kind {
                if let first = keysSeen[name] {
                    throw error(at: keyToken.start, "key \"\(name)\" is set twice in this object (first at \(first))")
                }
                keysSeen[name] = keyToken.start
            }
            members.append(HCLExpr.ObjectMember(key: key, value: value))
            switch current.kind {
            case .symbol(","):
                advance()
            case .newline, .symbol("}"):
                break
            case .endOfFile:
                throw unterminated("object", open: open, close: "}")
            default:
                throw error(at: current.start, "expected \",\", a newline or \"}\" after "
                    + (keyName.map { "the value of \"\($0)\"" } ?? "an object value") + ", found \(current.description)")
            }
        }
    }

    /// An object of literal keys and values is a literal; otherwise it is evaluated.
    private func objectExpression(_ members: [HCLExpr.ObjectMember], range: SourceRange) -> HCLExpr {
        var items: [HCLObjectItem] = []
        for member in members {
            guard case .literal(let key) = member.key.kind, case .string(let name) = key.kind,
                  case .literal(let value) = member.value.kind else { return HCLExpr(.object(members), range: range) }
            items.append(HCLObjectItem(key: name, keyRange: key.range, value: value))
        }
        return literal(.object(items), range)
    }

    /// Newlines inside parentheses, brackets and calls separate nothing.
    mutating func skipIgnoredNewlines() {
        if ignoredNewlines > 0 { skipNewlines() }
    }

    private func unterminated(_ what: String, open: HCLToken, close: String) -> JobspecError {
        let opener = if case .symbol(let text) = open.kind { text } else { "" }
        return error(at: open.start, "unterminated \(what): this \"\(opener)\" has no matching \"\(close)\" "
            + "before the end of the file")
    }
}
