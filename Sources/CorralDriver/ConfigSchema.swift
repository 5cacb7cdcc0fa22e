import CorralResourceTypes

/// The type of one key of a driver's `config` block.
package indirect enum ConfigType: Equatable, Sendable, CustomStringConvertible {
    case string
    case bool
    case integer
    case number
    /// A Go-style duration string (`5s`), or an integer of nanoseconds (as JSON jobs give them).
    case duration
    /// One of the given strings.
    case oneOf([String])
    /// A byte count: an integer, or a string like `64m` (binary units).
    case byteSize
    case list(ConfigType)
    /// A block with its own keys (repeatable blocks are a `list(.object(...))`).
    case object(ConfigSchema)

    package var description: String {
        switch self {
        case .string: "a string"
        case .bool: "a bool"
        case .integer: "an integer"
        case .number: "a number"
        case .duration: "a duration like \"5s\""
        case .oneOf(let values): "one of " + values.map { "\"\($0)\"" }.joined(separator: ", ")
        case .byteSize: "a size like 64m or a number of bytes"
        case .list(let element): "a list of \(element.plural)"
        case .object: "a block"
        }
    }

    var plural: String {
        switch self {
        case .string: "strings"
        case .bool: "bools"
        case .integer: "integers"
        case .number: "numbers"
        case .duration: "durations"
        case .oneOf: "strings"
        case .byteSize: "sizes"
        case .list: "lists"
        case .object: "blocks"
        }
    }
}

/// One key of a driver's `config` block.
package struct ConfigAttribute: Equatable, Sendable {
    package var name: String
    package var type: ConfigType
    package var required: Bool

    package init(_ name: String, _ type: ConfigType, required: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
    }
}

/// The keys a driver's `config` block takes (Nomad's `hclspec`): validation names the offending
/// key by its path (`config.devices[0].host_path`), before anything is created.
package struct ConfigSchema: Equatable, Sendable {
    package var attributes: [ConfigAttribute]

    package init(_ attributes: [ConfigAttribute]) {
        self.attributes = attributes
    }

    package func attribute(_ name: String) -> ConfigAttribute? {
        attributes.first { $0.name == name }
    }

    /// Checks keys and types; unknown keys and missing required ones are errors.
    package func validate(_ config: DriverConfig, path: String = "config") throws(DriverError) {
        for key in config.keys.sorted() where attribute(key) == nil {
            let known = attributes.map(\.name).sorted().joined(separator: ", ")
            throw .invalidConfig(key: "\(path).\(key)", reason: "unknown key (this driver takes: \(known))")
        }
        for attribute in attributes {
            let key = "\(path).\(attribute.name)"
            guard let value = config[attribute.name], value != .null else {
                if attribute.required { throw .invalidConfig(key: key, reason: "is required") }
                continue
            }
            try Self.check(value, against: attribute.type, key: key)
        }
    }

    static func check(_ value: ConfigValue, against type: ConfigType, key: String) throws(DriverError) {
        let mismatch = DriverError.invalidConfig(key: key, reason: "expected \(type), got \(value.kind) \(value)")
        switch (type, value) {
        case (.string, .string), (.bool, .bool), (.integer, .integer), (.number, .integer), (.number, .number):
            return
        case (.integer, .number(let number)) where number.rounded() == number && abs(number) < 9e18:
            return
        case (.duration, .integer(let nanos)) where nanos >= 0:
            return
        case (.byteSize, .integer(let bytes)) where bytes > 0:
            return
        case (.byteSize, .string(let text)):
            guard ByteCount.parse(text) != nil else {
                throw .invalidConfig(key: key, reason: "\"\(text)\" is not a size (like 512k, 64m, 1g)")
            }
        case (.duration, .string(let text)):
            guard DurationParser.parse(text) != nil else {
                throw .invalidConfig(key: key, reason: "\"\(text)\" is not a duration (like 250ms, 5s, 1m30s)")
            }
        case (.oneOf(let allowed), .string(let text)):
            guard allowed.contains(text) else { throw mismatch }
        case (.list(let element), .list(let values)):
            for (index, item) in values.enumerated() {
                try check(item, against: element, key: "\(key)[\(index)]")
            }
        case (.list(.object(let schema)), .object(let members)):
            // A single block where blocks are repeatable (`devices { … }` given once in JSON).
            try schema.validate(members, path: "\(key)[0]")
        case (.object(let schema), .object(let members)):
            try schema.validate(members, path: key)
        default:
            throw mismatch
        }
    }
}

/// Typed reads of a validated config block (`ConfigSchema.validate` first: these do not re-check).
package struct ConfigReader: Sendable {
    package let values: DriverConfig

    package init(_ values: DriverConfig) {
        self.values = values
    }

    package func string(_ key: String) -> String? {
        if case .string(let value) = values[key] { return value }
        return nil
    }

    package func bool(_ key: String) -> Bool? {
        if case .bool(let value) = values[key] { return value }
        return nil
    }

    package func integer(_ key: String) -> Int64? {
        switch values[key] {
        case .integer(let value): value
        case .number(let value): Int64(exactly: value.rounded())
        default: nil
        }
    }

    package func number(_ key: String) -> Double? {
        switch values[key] {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    package func duration(_ key: String) -> Duration? {
        switch values[key] {
        case .integer(let nanos): .nanoseconds(nanos)
        case .string(let text): DurationParser.parse(text)
        default: nil
        }
    }

    package func byteSize(_ key: String) -> UInt64? {
        switch values[key] {
        case .integer(let bytes): bytes > 0 ? UInt64(bytes) : nil
        case .string(let text): ByteCount.parse(text)
        default: nil
        }
    }

    package func strings(_ key: String) -> [String] {
        guard case .list(let items) = values[key] else { return [] }
        return items.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }

    /// The blocks of a repeatable block key (one block given alone counts as a list of one).
    package func blocks(_ key: String) -> [ConfigReader] {
        switch values[key] {
        case .list(let items):
            items.compactMap { if case .object(let members) = $0 { ConfigReader(members) } else { nil } }
        case .object(let members): [ConfigReader(members)]
        default: []
        }
    }
}
