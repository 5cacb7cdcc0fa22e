/// Builds request targets: percent-encoded path segments and query strings (RFC 3986 unreserved
/// characters pass, everything else is `%XX` of its UTF-8 bytes).
enum QueryString {
    static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// `path?key=value&...`, keys sorted (a request reads the same every time).
    static func target(path: String, query: [String: String]) -> String {
        guard !query.isEmpty else { return path }
        let pairs = query.sorted { $0.key < $1.key }.map { "\(encode($0.key))=\(encode($0.value))" }
        return path + (path.contains("?") ? "&" : "?") + pairs.joined(separator: "&")
    }
}
