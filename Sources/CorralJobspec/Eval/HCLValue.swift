/// A value an HCL expression evaluates to. Lists, tuples and sets are `.list`; objects and maps are
/// `.object`, whose keys are iterated in lexical order, as HCL iterates them.
enum HCLValue: Hashable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case list([HCLValue])
    case object([String: HCLValue])

    /// How messages name the value's type.
    var typeName: String {
        switch self {
        case .string: "string"
        case .number: "number"
        case .bool: "bool"
        case .null: "null"
        case .list: "list"
        case .object: "object"
        }
    }

    /// The elements without repeats, first ones kept, in linear time.
    static func distinct(_ elements: [HCLValue]) -> [HCLValue] {
        var seen = Set<HCLValue>()
        return elements.filter { seen.insert($0).inserted }
    }

    /// How many lists and objects nest in the value (0 for a string, number, bool or null).
    var depth: Int {
        switch self {
        case .list(let elements): 1 + (elements.map(\.depth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.depth).max() ?? 0)
        default: 0
        }
    }

    /// A literal value: numbers, bools, null, plain strings, and lists and objects of them.
    init?(literal expression: HCLExpression) {
        switch expression.kind {
        case .string(let text): self = .string(text)
        case .number(let value, _): self = .number(value)
        case .bool(let flag): self = .bool(flag)
        case .null: self = .null
        case .list(let elements):
            var values: [HCLValue] = []
            for element in elements {
                guard let value = HCLValue(literal: element) else { return nil }
                values.append(value)
            }
            self = .list(values)
        case .object(let items):
            var values: [String: HCLValue] = [:]
            for item in items {
                guard let value = HCLValue(literal: item.value) else { return nil }
                values[item.key] = value
            }
            self = .object(values)
        case .unevaluated:
            return nil
        }
    }

    /// The literal a job's decoder reads, placed at `range`.
    func expression(at range: SourceRange) -> HCLExpression {
        switch self {
        case .string(let text): HCLExpression(.string(text), range: range)
        case .number(let value): HCLExpression(.number(value, text: Self.text(of: value)), range: range)
        case .bool(let flag): HCLExpression(.bool(flag), range: range)
        case .null: HCLExpression(.null, range: range)
        case .list(let values): HCLExpression(.list(values.map { $0.expression(at: range) }), range: range)
        case .object(let members):
            HCLExpression(.object(members.keys.sorted().map { key in
                HCLObjectItem(key: key, keyRange: range, value: members[key]!.expression(at: range))
            }), range: range)
        }
    }

    /// A number as HCL writes it: whole numbers in digits, others in their shortest form.
    static func text(of value: Double) -> String {
        if value.rounded() == value, abs(value) < 9.007_199_254_740_992e15, let whole = Int64(exactly: value) { return String(whole) }
        return String(value)
    }
}
