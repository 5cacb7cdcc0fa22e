/// Nomad reads job files in HCL's JSON form with `//`, `#` and `/* */` comments, which strict JSON
/// refuses. `blanked` turns every comment into spaces (its newlines kept), so that the strict parser
/// reads the rest and every position it reports (line, column, byte offset) is the file's own.
enum JSONComments {
    static func blanked(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var index = 0
        var inString = false
        func blank(_ range: Range<Int>) {
            for i in range where bytes[i] != UInt8(ascii: "\n") { bytes[i] = UInt8(ascii: " ") }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") { index += 2; continue }
                if byte == UInt8(ascii: "\"") { inString = false }
                index += 1
                continue
            }
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if byte == UInt8(ascii: "\"") {
                inString = true
                index += 1
            } else if byte == UInt8(ascii: "#") || (byte == UInt8(ascii: "/") && next == UInt8(ascii: "/")) {
                // A line comment ends at any line break, a lone `\r` included (old Mac files).
                let end = bytes[index...].firstIndex { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") } ?? bytes.count
                blank(index..<end)
                index = end
            } else if byte == UInt8(ascii: "/") && next == UInt8(ascii: "*") {
                var end = index + 2
                while end + 1 < bytes.count && !(bytes[end] == UInt8(ascii: "*") && bytes[end + 1] == UInt8(ascii: "/")) { end += 1 }
                // An unterminated comment is left for the parser to refuse at its `/`.
                guard end + 1 < bytes.count else { return String(decoding: bytes, as: UTF8.self) }
                blank(index..<(end + 2))
                index = end + 2
            } else {
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
