import CorralDriver

/// A task's `config` block to a `DriverConfig`, checked against the driver's schema with every
/// problem placed at its attribute or element in the source.
///
/// Values: strings, bools and null as they are; numbers written without fraction or exponent (and
/// within Int64) are `.integer`, others `.number`; objects and nested blocks `.object`; lists and
/// repeated blocks `.list`. Then, where the schema wants a list of blocks, one block given alone
/// becomes a list of one.
struct DriverConfigDecoder {
    /// The config block's members; its position (nil when the task has no `config` block); the
    /// task's position.
    var members: [HCLObjectItem]
    var blockPosition: SourcePosition?
    var taskPosition: SourcePosition

    /// A problem in the config: its key path as drivers name it (`config.devices[0].host_path`),
    /// the message, and which place of that path it is about.
    struct Problem {
        enum Place {
            /// The key itself (an unknown key).
            case key
            /// The value at the path.
            case value
            /// The object that lacks the key (a missing required key).
            case parent
        }

        var path: String
        var message: String
        var place: Place
    }

    /// The config's values; problems of duplicate keys in object values are reported.
    func config(diagnostics: inout DiagnosticCollector) -> DriverConfig {
        var config: DriverConfig = [:]
        for member in members {
            config[member.key] = Self.value(member.value, path: "config.\(member.key)", diagnostics: &diagnostics)
        }
        return config
    }

    static func value(_ expression: HCLExpression, path: String, diagnostics: inout DiagnosticCollector) -> ConfigValue {
        switch expression.kind {
        case .string(let text): return .string(text)
        case .number(let number, let text):
            if isIntegerText(text), let integer = Int64(text) { return .integer(integer) }
            return .number(number)
        case .bool(let flag): return .bool(flag)
        case .null: return .null
        case .list(let elements):
            return .list(elements.enumerated().map { index, element in
                value(element, path: "\(path)[\(index)]", diagnostics: &diagnostics)
            })
        case .object(let items):
            var object: [String: ConfigValue] = [:]
            var firstKey: [String: SourcePosition] = [:]
            for item in items {
                if let first = firstKey[item.key] {
                    diagnostics.error("duplicate key \(quoted(item.key)) in \(path) (first at \(first))", at: item.keyRange.start)
                    continue
                }
                firstKey[item.key] = item.keyRange.start
                object[item.key] = value(item.value, path: "\(path).\(item.key)", diagnostics: &diagnostics)
            }
            return .object(object)
        case .unevaluated:
            // HCLResolver evaluates every expression before a job is decoded.
            diagnostics.error("\(path): expected a value, got \(expression.kindDescription)", at: expression.range.start)
            return .null
        }
    }

    /// A single block where the schema wants a list of blocks becomes a list of one, at any depth.
    static func normalized(_ config: DriverConfig, schema: ConfigSchema) -> DriverConfig {
        var result = config
        for (key, value) in config {
            guard let attribute = schema.attribute(key) else { continue }
            result[key] = normalized(value, as: attribute.type)
        }
        return result
    }

    /// Also HCL2's conversions between primitive types, as Nomad's typed driver specs apply them: a
    /// string holding a number where a number is wanted (`port = "8080"`), `"true"`/`"false"` where a
    /// bool is, and a number or bool where a string is (`version = 2`).
    static func normalized(_ value: ConfigValue, as type: ConfigType) -> ConfigValue {
        switch (type, value) {
        case (.integer, .string(let text)) where isIntegerText(text):
            return Int64(text).map { .integer($0) } ?? value
        case (.integer, .string(let text)) where isNumberText(text):
            guard let number = Double(text), number.isFinite else { return value }
            return .number(number)
        case (.number, .string(let text)) where isNumberText(text):
            if isIntegerText(text), let integer = Int64(text) { return .integer(integer) }
            guard let number = Double(text), number.isFinite else { return value }
            return .number(number)
        case (.bool, .string(let text)) where ["true", "1", "false", "0"].contains(text):
            return .bool(text == "true" || text == "1")
        case (.string, .integer(let integer)), (.oneOf, .integer(let integer)):
            return .string(String(integer))
        case (.string, .bool(let flag)), (.oneOf, .bool(let flag)):
            return .string(flag ? "true" : "false")
        case (.list(.object(let schema)), .object(let members)):
            return .list([.object(normalized(members, schema: schema))])
        case (.list(let element), .list(let values)):
            return .list(values.map { normalized($0, as: element) })
        case (.object(let schema), .object(let members)):
            return .object(normalized(members, schema: schema))
        default:
            return value
        }
    }

    /// Every problem of `config` against `schema` (the checks of `ConfigSchema.validate`, which stops
    /// at the first): unknown keys with the closest known one, missing required keys, and each
    /// mismatched value, element by element.
    static func problems(_ config: DriverConfig, schema: ConfigSchema, path: String = "config") -> [Problem] {
        var problems: [Problem] = []
        for key in config.keys.sorted() where schema.attribute(key) == nil {
            let what = config[key].map(isBlockLike) == true ? "block" : "attribute"
            problems.append(Problem(path: "\(path).\(key)",
                                    message: "unknown \(what) \(quoted(key)) in \(path)"
                                        + suggestion(for: key, among: schema.attributes.map(\.name)),
                                    place: .key))
        }
        for attribute in schema.attributes {
            let key = "\(path).\(attribute.name)"
            guard let value = config[attribute.name], value != .null else {
                if attribute.required { problems.append(Problem(path: key, message: "\(key): is required", place: .parent)) }
                continue
            }
            problems += Self.problems(value, type: attribute.type, path: key)
        }
        return problems
    }

    static func problems(_ value: ConfigValue, type: ConfigType, path: String) -> [Problem] {
        switch (type, value) {
        case (.object(let schema), .object(let members)):
            return problems(members, schema: schema, path: path)
        case (.list(.object(let schema)), .object(let members)):
            return problems(members, schema: schema, path: "\(path)[0]")
        case (.list(let element), .list(let values)):
            return values.enumerated().flatMap { index, item in problems(item, type: element, path: "\(path)[\(index)]") }
        default:
            // A scalar check: the schema's own, through a one-key schema, renamed to this path.
            do {
                try ConfigSchema([ConfigAttribute("value", type)]).validate(["value": value], path: "")
                return []
            } catch {
                return [problem(from: error, path: path)]
            }
        }
    }

    static func isBlockLike(_ value: ConfigValue) -> Bool {
        switch value {
        case .object: true
        case .list(let items): !items.isEmpty && items.allSatisfy { if case .object = $0 { true } else { false } }
        default: false
        }
    }

    /// A driver's error as a problem; `path` replaces its key when given.
    static func problem(from error: DriverError, path: String? = nil) -> Problem {
        guard case .invalidConfig(let key, let reason) = error else {
            return Problem(path: "config", message: "\(error)", place: .parent)
        }
        let path = path ?? key
        let place: Problem.Place = reason == "is required" ? .parent : reason.hasPrefix("unknown key") ? .key : .value
        return Problem(path: path, message: "\(path): \(reason)", place: place)
    }

    /// Checks `config` against `schema` and reports each problem where it is. The driver's own
    /// `validate` runs last, so nothing it refuses is let through.
    func validate(_ config: DriverConfig, schema: ConfigSchema, diagnostics: inout DiagnosticCollector) {
        var problems = Self.problems(config, schema: schema)
        if problems.isEmpty {
            do {
                try schema.validate(config)
            } catch {
                problems = [Self.problem(from: error)]
            }
        }
        for problem in problems {
            diagnostics.error(problem.message, at: position(of: problem.path, place: problem.place))
        }
    }

    /// Where a key path (`config.cap_add[1]`, `config.devices[0].host_path`) is in the source: the
    /// deepest part of it that exists, else the config block, else the task.
    func position(of path: String, place: Problem.Place) -> SourcePosition {
        let fallback = blockPosition ?? taskPosition
        guard path.hasPrefix("config") else { return fallback }
        let components = Self.components(of: path.dropFirst("config".count))
        var node = HCLExpression(.object(members), range: SourceRange(start: fallback, end: fallback))
        var nodePosition = fallback
        for (index, component) in components.enumerated() {
            let isLast = index == components.count - 1
            switch component {
            case .key(let key):
                guard case .object(let items) = node.kind, let item = items.first(where: { $0.key == key }) else {
                    return nodePosition
                }
                if isLast { return place == .key ? item.keyRange.start : item.value.range.start }
                node = item.value
            case .index(let element):
                if case .list(let elements) = node.kind, element < elements.count {
                    node = elements[element]
                } else if case .object = node.kind, element == 0 {
                    // A single block standing for a list of one.
                } else {
                    return nodePosition
                }
            }
            nodePosition = node.range.start
        }
        return nodePosition
    }

    enum PathComponent: Equatable {
        case key(String)
        case index(Int)
    }

    /// `.devices[0].host_path` → key devices, index 0, key host_path.
    static func components(of path: Substring) -> [PathComponent] {
        var result: [PathComponent] = []
        var rest = path
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                result.append(.key(String(name)))
                rest = rest.dropFirst(name.count)
            } else if first == "[" {
                rest = rest.dropFirst()
                let digits = rest.prefix { $0 != "]" }
                guard let index = Int(digits) else { return result }
                result.append(.index(index))
                rest = rest.dropFirst(digits.count + 1)
            } else {
                return result
            }
        }
        return result
    }
}
