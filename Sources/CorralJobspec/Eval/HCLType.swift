/// A variable's `type` constraint (`string`, `number`, `bool`, `any`, `list(T)`, `set(T)`, `map(T)`,
/// `object({...})`, `tuple([...])`), and the conversion of a value to it.
indirect enum HCLType: Equatable, Sendable {
    case any, string, number, bool
    case list(HCLType), set(HCLType), map(HCLType)
    /// Attributes and whether each is `optional(...)`.
    case object([String: (type: HCLType, optional: Bool)])
    case tuple([HCLType])

    static func == (a: HCLType, b: HCLType) -> Bool { a.description == b.description }

    var description: String {
        switch self {
        case .any: "any"
        case .string: "string"
        case .number: "number"
        case .bool: "bool"
        case .list(let element): "list(\(element.description))"
        case .set(let element): "set(\(element.description))"
        case .map(let element): "map(\(element.description))"
        case .object(let attributes):
            "object({" + attributes.keys.sorted().map { "\($0) = \(attributes[$0]!.type.description)" }.joined(separator: ", ") + "})"
        case .tuple(let elements): "tuple([" + elements.map(\.description).joined(separator: ", ") + "])"
        }
    }

    /// The type an expression writes, or a message saying what is wrong with it.
    static func parse(_ expression: HCLExpr) -> Result<HCLType, HCLEvalError> {
        let at = expression.range.start
        switch expression.kind {
        case .variable("any"): return .success(.any)
        case .variable("string"): return .success(.string)
        case .variable("number"): return .success(.number)
        case .variable("bool"): return .success(.bool)
        case .call(let name, let arguments, false) where arguments.count == 1:
            let argument = arguments[0]
            switch name {
            case "list", "set", "map":
                return parse(argument).map { name == "list" ? .list($0) : name == "set" ? .set($0) : .map($0) }
            case "tuple":
                guard case .literal(let literal) = argument.kind, case .list = literal.kind else { break }
                return .failure(.failed("tuple([...]) of literal types is not supported; use list(T)", at: at))
            case "object":
                guard case .object(let members) = argument.kind else { break }
                var attributes: [String: (type: HCLType, optional: Bool)] = [:]
                for member in members {
                    guard case .literal(let key) = member.key.kind, case .string(let name) = key.kind else { break }
                    var optional = false
                    var typeExpression = member.value
                    if case .call("optional", let inner, false) = member.value.kind, let first = inner.first {
                        optional = true
                        typeExpression = first
                    }
                    switch parse(typeExpression) {
                    case .success(let type): attributes[name] = (type, optional)
                    case .failure(let error): return .failure(error)
                    }
                }
                return .success(.object(attributes))
            default:
                break
            }
        default:
            break
        }
        return .failure(.failed("not a type: write string, number, bool, any, list(T), set(T), map(T) or object({...})", at: at))
    }

    /// `value` as this type, converted as HCL converts it; nil stays nil (null).
    func convert(_ value: HCLValue, at: SourcePosition) throws(HCLEvalError) -> HCLValue {
        if case .null = value { return .null }
        switch self {
        case .any: return value
        case .string: return .string(try HCLConvert.string(value, at: at))
        case .number: return .number(try HCLConvert.number(value, at: at))
        case .bool: return .bool(try HCLConvert.bool(value, at: at))
        case .list(let element), .set(let element):
            var converted: [HCLValue] = []
            for item in try HCLConvert.list(value, at: at) { converted.append(try element.convert(item, at: at)) }
            if case .set = self { converted = HCLValue.distinct(converted) }
            return .list(converted)
        case .map(let element):
            var converted: [String: HCLValue] = [:]
            for (key, item) in try HCLConvert.object(value, at: at) { converted[key] = try element.convert(item, at: at) }
            return .object(converted)
        case .object(let attributes):
            let members = try HCLConvert.object(value, at: at)
            var converted: [String: HCLValue] = [:]
            for (name, attribute) in attributes {
                guard let member = members[name] else {
                    if attribute.optional { converted[name] = .null; continue }
                    throw .failed("the attribute \"\(name)\" is required", at: at)
                }
                converted[name] = try attribute.type.convert(member, at: at)
            }
            return .object(converted)
        case .tuple(let elements):
            let items = try HCLConvert.list(value, at: at)
            guard items.count == elements.count else { throw .failed("expected \(elements.count) elements, got \(items.count)", at: at) }
            var converted: [HCLValue] = []
            for (item, type) in zip(items, elements) { converted.append(try type.convert(item, at: at)) }
            return .list(converted)
        }
    }
}
