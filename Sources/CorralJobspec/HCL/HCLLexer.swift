/// Turns HCL native syntax into tokens: names, numbers, strings, heredocs, punctuation and
/// newlines, dropping whitespace and comments. Every step consumes at least one byte, so it always
/// ends; it stops at the first error.
struct HCLLexer {
    let source: HCLSource
    var cursor = HCLCursor()
    private var tokens: [HCLToken] = []

    init(source: HCLSource) {
        self.source = source
    }

    var bytes: [UInt8] { source.bytes }

    /// All the tokens, the last one `.endOfFile`.
    mutating func tokenize() throws(JobspecError) -> [HCLToken] {
        // A byte order mark at the start is not part of the text.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { advance(3) }
        while let byte = peek() {
            let start = cursor.position
            switch byte {
            case HCLByte.space, HCLByte.tab, HCLByte.carriageReturn:
                advance()
            case HCLByte.newline:
                advance()
                tokens.append(HCLToken(kind: .newline, range: SourceRange(start: start, end: cursor.position)))
            case HCLByte.hash:
                skipLineComment()
            case HCLByte.slash where peek(1) == HCLByte.slash:
                skipLineComment()
            case HCLByte.slash where peek(1) == HCLByte.star:
                try skipBlockComment()
            case HCLByte.quote:
                tokens.append(try lexQuotedString())
            case HCLByte.lessThan where peek(1) == HCLByte.lessThan:
                tokens.append(try lexHeredoc())
            case _ where HCLByte.isDigit(byte):
                tokens.append(try lexNumber())
            case _ where isIdentifierStart(at: cursor.offset):
                let name = scanIdentifier()
                tokens.append(HCLToken(kind: .identifier(name), range: SourceRange(start: start, end: cursor.position)))
            default:
                tokens.append(try lexSymbol())
            }
        }
        let end = cursor.position
        tokens.append(HCLToken(kind: .endOfFile, range: SourceRange(start: end, end: end)))
        return tokens
    }

    // MARK: Moving through the bytes

    func peek(_ ahead: Int = 0) -> UInt8? {
        let index = cursor.offset + ahead
        return index < bytes.count ? bytes[index] : nil
    }

    mutating func advance() {
        guard cursor.offset < bytes.count else { return }
        cursor.advance(over: bytes[cursor.offset])
    }

    mutating func advance(_ count: Int) {
        for _ in 0..<count { advance() }
    }

    /// Moves up to byte `offset` (not before the current one).
    mutating func advance(to offset: Int) {
        while cursor.offset < min(offset, bytes.count) { advance() }
    }

    func error(at position: SourcePosition, _ message: String) -> JobspecError {
        source.error(at: position, message)
    }

    // MARK: Comments

    /// `#` or `//` up to the end of the line; the line break stays, as it ends a body item.
    private mutating func skipLineComment() {
        while let byte = peek(), byte != HCLByte.newline { advance() }
    }

    /// `/* ... */`, possibly over several lines (then it counts as whitespace, as in HCL).
    private mutating func skipBlockComment() throws(JobspecError) {
        let start = cursor.position
        advance(2)
        while true {
            guard let byte = peek() else {
                throw error(at: start, "unterminated comment: this \"/*\" is never closed by \"*/\"")
            }
            if byte == HCLByte.star && peek(1) == HCLByte.slash {
                advance(2)
                return
            }
            advance()
        }
    }

    // MARK: Names

    func isIdentifierStart(at index: Int) -> Bool {
        guard index < bytes.count else { return false }
        let byte = bytes[index]
        if byte < 0x80 { return HCLByte.isASCIILetter(byte) || byte == HCLByte.underscore }
        return source.scalar(at: index).scalar.properties.isXIDStart
    }

    /// The length of the identifier character at `index`, or nil if there is none there.
    private func identifierContinueLength(at index: Int) -> Int? {
        guard index < bytes.count else { return nil }
        let byte = bytes[index]
        if byte < 0x80 {
            let continues = HCLByte.isASCIILetter(byte) || HCLByte.isDigit(byte)
                || byte == HCLByte.underscore || byte == HCLByte.minus
            return continues ? 1 : nil
        }
        let (scalar, length) = source.scalar(at: index)
        return scalar.properties.isXIDContinue ? length : nil
    }

    /// Consumes an identifier (the cursor is on a character that may start one) and returns it.
    mutating func scanIdentifier() -> String {
        let from = cursor.offset
        while let length = identifierContinueLength(at: cursor.offset) { advance(length) }
        return String(decoding: bytes[from..<cursor.offset], as: UTF8.self)
    }

    // MARK: Numbers

    /// `digits ('.' digits)? ([eE] [+-]? digits)?`. A letter right after (`15s`, `64MB`) is an error
    /// that says to quote the value, the usual slip in job files.
    private mutating func lexNumber() throws(JobspecError) -> HCLToken {
        let start = cursor.position
        let from = cursor.offset
        skipDigits()
        if peek() == HCLByte.dot, let next = peek(1), HCLByte.isDigit(next) {
            advance()
            skipDigits()
        }
        if let e = peek(), e | 0x20 == UInt8(ascii: "e") {
            if let next = peek(1), HCLByte.isDigit(next) {
                advance()
                skipDigits()
            } else if let sign = peek(1), sign == UInt8(ascii: "+") || sign == HCLByte.minus,
                      let next = peek(2), HCLByte.isDigit(next) {
                advance(2)
                skipDigits()
            }
        }
        let text = String(decoding: bytes[from..<cursor.offset], as: UTF8.self)
        if let byte = peek(), byte != HCLByte.minus, identifierContinueLength(at: cursor.offset) != nil {
            while let length = identifierContinueLength(at: cursor.offset) { advance(length) }
            let written = String(decoding: bytes[from..<cursor.offset], as: UTF8.self)
            throw error(at: start, "\"\(written)\" is not a number: durations, sizes and other text are quoted strings")
        }
        return HCLToken(kind: .number(text), range: SourceRange(start: start, end: cursor.position))
    }

    private mutating func skipDigits() {
        while let byte = peek(), HCLByte.isDigit(byte) { advance() }
    }

    // MARK: Punctuation and operators

    private static let twoByteSymbols: Set<String> = ["==", "!=", "<=", ">=", "&&", "||", "=>"]
    private static let oneByteSymbols: Set<UInt8> = Set("{}[]()=:,-+*/%!?.<>".utf8)

    private mutating func lexSymbol() throws(JobspecError) -> HCLToken {
        let start = cursor.position
        let byte = bytes[cursor.offset]
        if byte == HCLByte.dot && peek(1) == HCLByte.dot && peek(2) == HCLByte.dot {
            advance(3)
            return HCLToken(kind: .symbol("..."), range: SourceRange(start: start, end: cursor.position))
        }
        if let next = peek(1), next < 0x80 {
            let pair = String(decoding: [byte, next], as: UTF8.self)
            if Self.twoByteSymbols.contains(pair) {
                advance(2)
                return HCLToken(kind: .symbol(pair), range: SourceRange(start: start, end: cursor.position))
            }
        }
        if Self.oneByteSymbols.contains(byte) {
            advance()
            return HCLToken(kind: .symbol(String(UnicodeScalar(byte))), range: SourceRange(start: start, end: cursor.position))
        }
        throw error(at: start, invalidCharacterMessage(at: cursor.offset))
    }

    private func invalidCharacterMessage(at index: Int) -> String {
        let scalar = source.scalar(at: index).scalar
        switch scalar {
        case "'":
            return "invalid character \"'\": strings are written in double quotes (\"...\")"
        case ";":
            return "invalid character \";\": put each attribute on its own line instead"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.properties.isWhitespace:
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "invalid character U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex)"
        default:
            return "invalid character \"\(Character(scalar))\""
        }
    }
}
