/// Any JSON value, without places: what the one-shot path reads and writes (seccomp profiles,
/// `exit.json`, `task.json`), so that the lean `corral` executable links no Foundation.
/// FoundationEssentials' JSONDecoder, asked for a generic value, cost 5 ms per `corral isolate` for
/// the default profile; this takes a small fraction of that and keeps all 64 bits of integers.
/// Read through `JSONNode`, corral's one JSON parser; a key written twice is an error here.
package enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case unsigned(UInt64)
    case signed(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A syntax error, with its line and column (`line 1, column 57: ...`).
    package typealias SyntaxError = JSONSyntaxError

    /// The deepest nesting of objects and arrays accepted.
    package static let maximumDepth = 64

    package static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        try JSONValue(try JSONNode.parse(text, maximumDepth: maximumDepth))
    }

    /// The value of a parsed node: integers as `unsigned` (or `signed` when negative), other
    /// numbers as `double`.
    init(_ node: JSONNode) throws(SyntaxError) {
        switch node.kind {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .string(let value): self = .string(value)
        case .number(let text):
            let integral = !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
            if integral, let value = UInt64(text) {
                self = .unsigned(value)
            } else if integral, let value = Int64(text) {
                self = .signed(value)
            } else if let value = Double(text) {
                self = .double(value)
            } else {
                throw SyntaxError(position: node.range.start, message: "bad number \"\(text)\"")
            }
        case .array(let elements):
            var values: [JSONValue] = []
            values.reserveCapacity(elements.count)
            for element in elements { values.append(try JSONValue(element)) }
            self = .array(values)
        case .object(let members):
            var values: [String: JSONValue] = [:]
            values.reserveCapacity(members.count)
            for member in members {
                guard values[member.key] == nil else {
                    throw SyntaxError(position: member.keyRange.start, message: "field \"\(member.key)\" appears twice")
                }
                values[member.key] = try JSONValue(member.value)
            }
            self = .object(values)
        }
    }
}
