/// The recursive-descent parser over UTF-8 bytes; it keeps the line and column (in Unicode scalars).
struct JSONScanner {
    let maximumDepth: Int
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var column = 1
    var depth = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    var position: JSONPosition { JSONPosition(line: line, column: column, offset: index) }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Steps over one byte: a line feed starts a line, a UTF-8 continuation byte takes no column.
    mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    func failure(_ message: String, at position: JSONPosition? = nil) -> JSONSyntaxError {
        JSONSyntaxError(position: position ?? self.position, message: message)
    }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { advance() }
    }

    mutating func document() throws(JSONSyntaxError) -> JSONNode {
        skipWhitespace()
        let value = try value()
        skipWhitespace()
        guard current == nil else { throw failure("unexpected text after the JSON value") }
        return value
    }

    mutating func value() throws(JSONSyntaxError) -> JSONNode {
        skipWhitespace()
        guard let byte = current else { throw failure("expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""):
            let start = position
            let text = try string()
            return JSONNode(.string(text), range: JSONRange(start: start, end: position))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            return try word()
        case UInt8(ascii: "'"): throw failure("expected a value (JSON strings are in double quotes)")
        case UInt8(ascii: "/"), UInt8(ascii: "#"): throw failure("expected a value (JSON has no comments)")
        default: throw failure("expected a value")
        }
    }

    mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > maximumDepth {
            throw failure("nested deeper than \(maximumDepth) levels")
        }
    }

    mutating func object() throws(JSONSyntaxError) -> JSONNode {
        let start = position
        try enter()
        advance()
        var members: [JSONNode.Member] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            advance()
        } else {
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else {
                    if members.isEmpty { throw failure("expected a string key or \"}\"") }
                    if current == UInt8(ascii: "}") { throw failure("expected a string key (JSON allows no trailing comma)") }
                    throw failure("expected a string key")
                }
                let keyStart = position
                let key = try string()
                let keyRange = JSONRange(start: keyStart, end: position)
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw failure("expected \":\"") }
                advance()
                members.append(JSONNode.Member(key: key, keyRange: keyRange, value: try value()))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    advance()
                } else if current == UInt8(ascii: "}") {
                    advance()
                    break
                } else {
                    throw failure("expected \",\" or \"}\"")
                }
            }
        }
        depth -= 1
        return JSONNode(.object(members), range: JSONRange(start: start, end: position))
    }

    mutating func array() throws(JSONSyntaxError) -> JSONNode {
        let start = position
        try enter()
        advance()
        var elements: [JSONNode] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            advance()
        } else {
            while true {
                skipWhitespace()
                if current == UInt8(ascii: "]") { throw failure("expected a value (JSON allows no trailing comma)") }
                elements.append(try value())
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    advance()
                } else if current == UInt8(ascii: "]") {
                    advance()
                    break
                } else {
                    throw failure("expected \",\" or \"]\"")
                }
            }
        }
        depth -= 1
        return JSONNode(.array(elements), range: JSONRange(start: start, end: position))
    }

    /// A string from its opening quote; escapes decoded, `\u` surrogate pairs joined.
    mutating func string() throws(JSONSyntaxError) -> String {
        let start = position
        advance()
        var buffer: [UInt8] = []
        while true {
            guard let byte = current else { throw failure("unterminated string", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &buffer)
            case 0x0A, 0x0D:
                throw failure("unterminated string (a line break in a string is written \\n)", at: start)
            case 0..<0x20:
                throw failure("control character in a string (write it as an escape like \\t or \\u0001)")
            default:
                buffer.append(byte)
                advance()
            }
        }
    }

    mutating func escape(into buffer: inout [UInt8]) throws(JSONSyntaxError) {
        let start = position
        advance()
        guard let byte = current else { throw failure("unterminated string") }
        let simple: UInt8? = switch byte {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case UInt8(ascii: "/"): UInt8(ascii: "/")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            advance()
            buffer.append(simple)
            return
        }
        guard byte == UInt8(ascii: "u") else {
            throw failure("invalid escape (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)", at: start)
        }
        advance()
        var scalar = try hex4(escapeStart: start)
        if (0xDC00...0xDFFF).contains(scalar) {
            throw failure("invalid \\u escape: a low surrogate without a high one before it", at: start)
        }
        if (0xD800...0xDBFF).contains(scalar) {
            let secondStart = position
            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw failure("invalid \\u escape: a high surrogate without a low one after it", at: start)
            }
            advance()
            advance()
            let low = try hex4(escapeStart: secondStart)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw failure("invalid \\u escape: a high surrogate without a low one after it", at: start)
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        // Every value left is a valid scalar: surrogates are excluded above.
        buffer.append(contentsOf: Array(String(Unicode.Scalar(scalar)!).utf8))
    }

    mutating func hex4(escapeStart: JSONPosition) throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Self.hexValue(byte) else {
                throw failure("invalid \\u escape: expected four hex digits", at: escapeStart)
            }
            value = value << 4 | digit
            advance()
        }
        return value
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    static func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`, kept with its text.
    mutating func number() throws(JSONSyntaxError) -> JSONNode {
        let start = position
        if current == UInt8(ascii: "-") { advance() }
        if current == UInt8(ascii: "0") {
            advance()
            if Self.isDigit(current) { throw failure("a number has no leading zeros", at: start) }
        } else if Self.isDigit(current) {
            while Self.isDigit(current) { advance() }
        } else {
            throw failure("expected a digit")
        }
        if current == UInt8(ascii: ".") {
            advance()
            guard Self.isDigit(current) else { throw failure("expected a digit after \".\"") }
            while Self.isDigit(current) { advance() }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            advance()
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { advance() }
            guard Self.isDigit(current) else { throw failure("expected a digit in the exponent") }
            while Self.isDigit(current) { advance() }
        }
        let text = String(decoding: bytes[start.offset..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw failure("number \(text) is out of range", at: start) }
        return JSONNode(.number(text), range: JSONRange(start: start, end: position))
    }

    /// `true`, `false` or `null`; any other bare word is an error naming it.
    mutating func word() throws(JSONSyntaxError) -> JSONNode {
        let start = position
        while let byte = current,
              (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
              || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") {
            advance()
            if index - start.offset > 64 { break }
        }
        let text = String(decoding: bytes[start.offset..<index], as: UTF8.self)
        let range = JSONRange(start: start, end: position)
        switch text {
        case "true": return JSONNode(.bool(true), range: range)
        case "false": return JSONNode(.bool(false), range: range)
        case "null": return JSONNode(.null, range: range)
        default: throw failure("unknown word \"\(text)\" (JSON has true, false and null; strings are in double quotes)", at: start)
        }
    }
}
