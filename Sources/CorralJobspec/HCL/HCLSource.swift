/// The text being parsed, as UTF-8 bytes, with the file name its diagnostics carry.
struct HCLSource: Sendable {
    let bytes: [UInt8]
    let file: String

    init(_ text: String, file: String) {
        self.bytes = Array(text.utf8)
        self.file = file
    }

    /// The line `offset` is on, without its line break (the caret line of a diagnostic).
    func line(at offset: Int) -> String {
        let offset = min(max(offset, 0), bytes.count)
        var start = offset
        while start > 0 && bytes[start - 1] != HCLByte.newline { start -= 1 }
        var end = offset
        while end < bytes.count && bytes[end] != HCLByte.newline { end += 1 }
        if end > start && bytes[end - 1] == HCLByte.carriageReturn { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// A one-diagnostic error at `position`, with the source line for the caret.
    func error(at position: SourcePosition, _ message: String) -> JobspecError {
        JobspecError([JobspecDiagnostic(file: file, position: position, message: message,
                                        sourceLine: line(at: position.offset))])
    }

    /// The Unicode scalar starting at byte `index` and how many bytes it takes (the text is valid
    /// UTF-8, as it came from a `String`; a truncated sequence reads as U+FFFD, one byte).
    func scalar(at index: Int) -> (scalar: Unicode.Scalar, length: Int) {
        let lead = bytes[index]
        let length: Int
        var value: UInt32
        switch lead {
        case 0..<0x80: return (Unicode.Scalar(lead), 1)
        case 0xC0..<0xE0: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0..<0xF0: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0..<0xF8: length = 4; value = UInt32(lead & 0x07)
        default: return ("\u{FFFD}", 1)
        }
        guard index + length <= bytes.count else { return ("\u{FFFD}", 1) }
        for next in bytes[(index + 1)..<(index + length)] {
            guard next & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
            value = value << 6 | UInt32(next & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }
}

/// A place in the text as the lexer moves through it byte by byte: the UTF-8 offset, the 1-based
/// line, and the 1-based column counted in Unicode scalars.
struct HCLCursor: Sendable {
    var offset = 0
    var line = 1
    var column = 1

    var position: SourcePosition { SourcePosition(line: line, column: column, offset: offset) }

    /// Moves past one byte: a line feed starts a new line; a UTF-8 continuation byte is part of the
    /// scalar already counted, so it leaves the column alone.
    mutating func advance(over byte: UInt8) {
        offset += 1
        if byte == HCLByte.newline {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }
}

/// The ASCII bytes the lexer looks for.
enum HCLByte {
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let dollar = UInt8(ascii: "$")
    static let percent = UInt8(ascii: "%")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let minus = UInt8(ascii: "-")
    static let underscore = UInt8(ascii: "_")
    static let slash = UInt8(ascii: "/")
    static let star = UInt8(ascii: "*")
    static let hash = UInt8(ascii: "#")
    static let lessThan = UInt8(ascii: "<")
    static let dot = UInt8(ascii: ".")

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }
    static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66) }
}
