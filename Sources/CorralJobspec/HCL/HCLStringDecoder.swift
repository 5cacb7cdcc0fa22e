/// Quoted strings: escapes decoded, template sequences (`${...}`, `%{...}`) copied verbatim for the
/// runner to interpolate, `$${` and `%%{` kept as written. A quoted string ends on its own line.
extension HCLLexer {
    mutating func lexQuotedString() throws(JobspecError) -> HCLToken {
        let start = cursor.position
        advance()  // the opening quote
        var value: [UInt8] = []
        var hasTemplate = false
        while true {
            guard let byte = peek() else {
                throw error(at: start, "unterminated string: no closing quote before the end of the file")
            }
            switch byte {
            case HCLByte.quote:
                advance()
                let text = String(decoding: value, as: UTF8.self)
                return HCLToken(kind: .string(text, hasTemplate: hasTemplate),
                                range: SourceRange(start: start, end: cursor.position))
            case HCLByte.newline:
                throw error(at: start, "unterminated string: no closing quote before the end of the line "
                    + "(a quoted string cannot span lines: use \\n, or a heredoc)")
            case HCLByte.backslash:
                try decodeEscape(into: &value, stringStart: start)
            case HCLByte.dollar, HCLByte.percent:
                if peek(1) == byte && peek(2) == HCLByte.openBrace {
                    // `$${` / `%%{`: an escaped sequence, kept as written for the runner.
                    value.append(contentsOf: [byte, byte, HCLByte.openBrace])
                    advance(3)
                } else if peek(1) == HCLByte.openBrace {
                    hasTemplate = true
                    try copyTemplateSequence(into: &value)
                } else {
                    value.append(byte)
                    advance()
                }
            default:
                value.append(byte)
                advance()
            }
        }
    }

    /// `\n \r \t \" \\ \uXXXX \UXXXXXXXX`; anything else after a backslash is an error at it.
    private mutating func decodeEscape(into value: inout [UInt8], stringStart: SourcePosition) throws(JobspecError) {
        let start = cursor.position
        guard let letter = peek(1), letter != HCLByte.newline else {
            let place = peek(1) == nil ? "file" : "line"
            throw error(at: stringStart, "unterminated string: no closing quote before the end of the \(place)")
        }
        switch letter {
        case UInt8(ascii: "n"): value.append(HCLByte.newline)
        case UInt8(ascii: "r"): value.append(HCLByte.carriageReturn)
        case UInt8(ascii: "t"): value.append(HCLByte.tab)
        case HCLByte.quote: value.append(HCLByte.quote)
        case HCLByte.backslash: value.append(HCLByte.backslash)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = letter == UInt8(ascii: "u") ? 4 : 8
            var code: UInt32 = 0
            var written = "\\" + String(UnicodeScalar(letter))
            for index in 0..<digits {
                guard let hex = peek(2 + index), HCLByte.isHexDigit(hex) else {
                    throw error(at: start, "invalid escape sequence \"\(written)\": \"\\\(UnicodeScalar(letter))\" "
                        + "takes exactly \(digits) hexadecimal digits")
                }
                written.append(Character(UnicodeScalar(hex)))
                code = code << 4 | UInt32(hexValue(hex))
            }
            guard let scalar = Unicode.Scalar(code) else {
                throw error(at: start, "invalid escape sequence \"\(written)\": not a Unicode scalar value")
            }
            UTF8.encode(scalar) { value.append($0) }
            advance(2 + digits)
            return
        default:
            let shown = Character(source.scalar(at: cursor.offset + 1).scalar)
            let display = shown.isLetter || shown.isNumber || shown.isPunctuation || shown.isSymbol
                ? "\"\\\(shown)\"" : "after \"\\\""
            throw error(at: start, "invalid escape sequence \(display): the escapes are "
                + "\\n \\r \\t \\\" \\\\ \\uXXXX \\UXXXXXXXX")
        }
        advance(2)
    }

    private func hexValue(_ byte: UInt8) -> UInt8 {
        HCLByte.isDigit(byte) ? byte - 0x30 : (byte | 0x20) - 0x61 + 10
    }

    /// Copies the template sequence starting here (`${` or `%{`) up to its matching `}`: nested
    /// braces are counted and quoted strings inside it (with their own sequences) skipped, so
    /// `"${env["X"]}"` does not end at the inner quote. It must close on its line.
    private mutating func copyTemplateSequence(into value: inout [UInt8]) throws(JobspecError) {
        enum Frame { case braces(Int), quoted }
        let start = cursor.position
        let from = cursor.offset
        let introducer = bytes[from] == HCLByte.dollar ? "${" : "%{"
        advance(2)
        var frames: [Frame] = [.braces(1)]
        while let frame = frames.last {
            guard let byte = peek(), byte != HCLByte.newline else {
                let place = peek() == nil ? "file" : "line"
                throw error(at: start, "unterminated template sequence: this \"\(introducer)\" has no "
                    + "matching \"}\" before the end of the \(place)")
            }
            switch frame {
            case .braces(let depth):
                if byte == HCLByte.quote {
                    frames.append(.quoted)
                } else if byte == HCLByte.openBrace {
                    frames[frames.count - 1] = .braces(depth + 1)
                } else if byte == HCLByte.closeBrace {
                    if depth == 1 { frames.removeLast() } else { frames[frames.count - 1] = .braces(depth - 1) }
                }
                advance()
            case .quoted:
                if byte == HCLByte.backslash, let next = peek(1), next != HCLByte.newline {
                    advance(2)
                } else if byte == HCLByte.quote {
                    frames.removeLast()
                    advance()
                } else if byte == HCLByte.dollar || byte == HCLByte.percent {
                    if peek(1) == byte && peek(2) == HCLByte.openBrace {
                        advance(3)
                    } else if peek(1) == HCLByte.openBrace {
                        frames.append(.braces(1))
                        advance(2)
                    } else {
                        advance()
                    }
                } else {
                    advance()
                }
            }
        }
        value.append(contentsOf: bytes[from..<cursor.offset])
    }
}
