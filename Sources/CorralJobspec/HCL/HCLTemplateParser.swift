/// Splits a string's text into its literal parts and its `${...}` interpolations (HCL's template
/// syntax). `$${` and `%%{` are escapes and stay as written (the runner reads them later), as do
/// `%{...}` directives. An interpolation that does not parse as an expression stays text: the runner
/// has always been the one to read `${...}` it knows (`${NOMAD_ALLOC_DIR}`, `${attr.kernel.name}`).
enum HCLTemplateParser {
    /// The parts, or nil when the text holds no interpolation. `contentStart`: where the text's first
    /// byte is in the file, so that an interpolation's problems are reported at their place (exact
    /// unless an escape sequence comes before them on their line).
    ///
    /// `depth`: the nesting the string is at; an interpolation's expression is parsed one level deeper
    /// (templates inside templates count like lists inside lists), too deep an error at `position`.
    static func parts(of text: String, file: String, contentStart: SourcePosition, depth: Int,
                      at position: SourcePosition) throws(JobspecError) -> [HCLExpr.TemplatePart]? {
        guard depth < HCLParser.maximumNestingDepth else {
            throw HCLSource(text, file: file).error(at: position, "nesting is too deep: blocks, lists, objects, operators "
                + "and templates may be nested \(HCLParser.maximumNestingDepth) levels at most")
        }
        let bytes = Array(text.utf8)
        var parts: [HCLExpr.TemplatePart] = []
        var literal: [UInt8] = []
        var index = 0
        var interpolated = false
        // Where the text is, counted up to `counted` only as far as the last interpolation (once each byte).
        var base = HCLCursor(), counted = 0
        while index < bytes.count {
            let byte = bytes[index]
            if (byte == HCLByte.dollar || byte == HCLByte.percent) && index + 2 < bytes.count && bytes[index + 1] == byte
                && bytes[index + 2] == HCLByte.openBrace {
                literal += bytes[index...(index + 2)]
                index += 3
                continue
            }
            guard byte == HCLByte.dollar, index + 1 < bytes.count, bytes[index + 1] == HCLByte.openBrace else {
                literal.append(byte)
                index += 1
                continue
            }
            guard let end = closingBrace(bytes, from: index + 2) else {
                // Unclosed: so is every later one (each would scan to the end again), so the rest is text.
                literal += bytes[index...]
                break
            }
            let inner = String(decoding: bytes[(index + 2)..<end], as: UTF8.self)
            let source = String(decoding: bytes[index...end], as: UTF8.self)
            while counted < index + 2 {
                base.advance(over: bytes[counted])
                counted += 1
            }
            let shifted = SourcePosition(line: contentStart.line + base.line - 1,
                                         column: base.line == 1 ? contentStart.column + base.column - 1 : base.column,
                                         offset: contentStart.offset + base.offset)
            if let expression = try expression(inner, file: file, at: shifted, depth: depth + 1) {
                if !literal.isEmpty { parts.append(.text(String(decoding: literal, as: UTF8.self))) }
                literal = []
                parts.append(.interpolation(expression, source: source))
                interpolated = true
            } else {
                literal += bytes[index...end]
            }
            index = end + 1
        }
        guard interpolated else { return nil }
        if !literal.isEmpty { parts.append(.text(String(decoding: literal, as: UTF8.self))) }
        return parts
    }

    /// The index of the `}` closing a sequence whose content starts at `start`: nested braces counted,
    /// quoted strings (with their own sequences) skipped.
    private static func closingBrace(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 1, index = start, quoted = false
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == HCLByte.backslash { index += 2; continue }
                if byte == HCLByte.quote { quoted = false }
            } else if byte == HCLByte.quote {
                quoted = true
            } else if byte == HCLByte.openBrace {
                depth += 1
            } else if byte == HCLByte.closeBrace {
                depth -= 1
                if depth == 0 { return index }
            }
            index += 1
        }
        return nil
    }

    /// The interpolation's expression, when the whole of it parses as one; its places as in the file,
    /// the interpolation's text starting at `start`.
    private static func expression(_ text: String, file: String, at start: SourcePosition, depth: Int) throws(JobspecError) -> HCLExpr? {
        let source = HCLSource(text, file: file)
        var lexer = HCLLexer(source: source)
        guard var tokens = try? lexer.tokenize() else { return nil }
        func shift(_ position: SourcePosition) -> SourcePosition {
            SourcePosition(line: start.line + position.line - 1,
                           column: position.line == 1 ? start.column + position.column - 1 : position.column,
                           offset: start.offset + position.offset)
        }
        for index in tokens.indices {
            tokens[index].range = SourceRange(start: shift(tokens[index].range.start), end: shift(tokens[index].range.end))
        }
        var parser = HCLTokenParser(source: source, tokens: tokens)
        parser.depth = depth
        parser.ignoredNewlines = 1
        parser.skipIgnoredNewlines()
        let expression: HCLExpr
        do {
            expression = try parser.parseExpr()
        } catch {
            // Too deep is an error wherever it is; anything else that does not parse stays text.
            if error.diagnostics.first?.message.hasPrefix("nesting is too deep") == true { throw error }
            return nil
        }
        parser.skipIgnoredNewlines()
        guard case .endOfFile = parser.current.kind else { return nil }
        return expression
    }
}

extension HCLBody {
    /// The body with every template back to its text as written, for files that hold literal values
    /// only (the agent's configuration): `"${...}"` there stays a string, as it always has.
    package func templatesAsText() -> HCLBody {
        func value(_ expression: HCLExpression) -> HCLExpression {
            switch expression.kind {
            case .unevaluated(let parsed):
                guard case .template(let parts) = parsed.kind else { return expression }
                let text = parts.map { part in
                    switch part {
                    case .text(let text): text
                    case .interpolation(_, let source): source
                    }
                }.joined()
                return HCLExpression(.string(text), range: expression.range)
            case .list(let elements):
                return HCLExpression(.list(elements.map(value)), range: expression.range)
            case .object(let items):
                return HCLExpression(.object(items.map { HCLObjectItem(key: $0.key, keyRange: $0.keyRange, value: value($0.value)) }),
                                     range: expression.range)
            default:
                return expression
            }
        }
        var body = self
        body.items = items.map { item in
            switch item {
            case .attribute(var attribute):
                attribute.value = value(attribute.value)
                return .attribute(attribute)
            case .block(var block):
                block.body = block.body.templatesAsText()
                return .block(block)
            }
        }
        return body
    }
}
