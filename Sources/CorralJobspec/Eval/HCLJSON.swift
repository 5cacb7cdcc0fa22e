import CorralJSON

/// `jsonencode` and `jsondecode`: values to JSON text (object keys sorted, as Go writes them) and back.
enum HCLJSON {
    static func encode(_ value: HCLValue) -> String {
        switch value {
        case .string(let text): return quote(text)
        case .number(let number): return HCLValue.text(of: number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .list(let elements): return "[" + elements.map(encode).joined(separator: ",") + "]"
        case .object(let members): return "{" + members.keys.sorted().map { quote($0) + ":" + encode(members[$0]!) }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string (`JSONText`'s escaping), with `<`, `>` and `&` escaped too, as Go's encoder does.
    static func quote(_ text: String) -> String {
        JSONText.string(text).replacingCharacters([("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")])
    }

    static func decode(_ text: String, at position: SourcePosition) throws(HCLEvalError) -> HCLValue {
        let node: JSONNode
        do {
            node = try JSONNode.parse(text, maximumDepth: 64)
        } catch {
            throw .failed("jsondecode(): the text is not JSON (\(error))", at: position)
        }
        return value(node)
    }

    private static func value(_ node: JSONNode) -> HCLValue {
        switch node.kind {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .number(let text): .number(Double(text) ?? 0)
        case .string(let text): .string(text)
        case .array(let elements): .list(elements.map(value))
        case .object(let members): .object(Dictionary(members.map { ($0.key, value($0.value)) }) { _, last in last })
        }
    }
}

/// Standard base64 (RFC 4648, with padding).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for place in 0..<4 {
                output.append(place <= chunk.count ? alphabet[Int(value >> (18 - 6 * UInt32(place)) & 0x3F)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8).filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        var index = 0
        while index < characters.count {
            var value: UInt32 = 0, padding = 0
            for place in 0..<4 {
                let character = characters[index + place]
                if character == UInt8(ascii: "=") {
                    guard index + 4 == characters.count, place >= 2 else { return nil }
                    padding += 1
                    continue
                }
                guard padding == 0, let digit = alphabet.firstIndex(of: character) else { return nil }
                value |= UInt32(digit) << (18 - 6 * UInt32(place))
            }
            for place in 0..<(3 - padding) { output.append(UInt8(value >> (16 - 8 * UInt32(place)) & 0xFF)) }
            index += 4
        }
        return output
    }
}

private extension String {
    /// Each of the characters replaced by its text (in one pass).
    func replacingCharacters(_ replacements: [(Character, String)]) -> String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for character in self {
            if let replacement = replacements.first(where: { $0.0 == character }) { result += replacement.1 } else { result.append(character) }
        }
        return result
    }
}
