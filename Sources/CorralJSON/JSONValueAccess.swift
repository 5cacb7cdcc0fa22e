/// Typed reads of a parsed document, for decoders written by hand: each is nil when the value is
/// missing or of another kind (or a number out of range), so that a caller names the field it refuses.
extension JSONValue {
    /// The member `key` of an object; nil for a missing key or a value that is not an object.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    package var boolValue: Bool? {
        guard case .bool(let value) = self else { return nil }
        return value
    }

    package var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    /// A whole number that fits `T` (JSON numbers with a fraction or exponent are not integers here).
    package func integer<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        switch self {
        case .unsigned(let value): return T(exactly: value)
        case .signed(let value): return T(exactly: value)
        default: return nil
        }
    }
}

/// JSON text written by hand: strings quoted and escaped as RFC 8259 requires (`"`, `\`, and control
/// characters; everything else verbatim, UTF-8).
package enum JSONText {
    package static func string(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    package static func array(_ strings: [String]) -> String {
        "[" + strings.map(string).joined(separator: ",") + "]"
    }

    /// An object of members whose values are JSON text already, in the order given.
    package static func object(_ members: KeyValuePairs<String, String>) -> String {
        "{" + members.map { string($0.key) + ":" + $0.value }.joined(separator: ",") + "}"
    }

    /// The same for members known only at run time (some optional).
    package static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
