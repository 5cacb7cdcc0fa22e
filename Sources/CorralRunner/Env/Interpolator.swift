import CorralDriver

/// Replaces `${KEY}` in job-file strings (a task's `env` values, its driver `config`) with values
/// from a lookup, as Nomad's `args.ReplaceEnv` does.
///
/// - A key is one or more letters, digits, `_`, `.` or `-` between `${` and `}`
///   (`${NOMAD_TASK_DIR}`, `${attr.kernel.name}`, `${meta.rack-id}`).
/// - A key the lookup does not know is left exactly as written (`${foo}` stays `${foo}`) and
///   reported once in `unknown`, in first-seen order, so the runner can warn about it once, as
///   Nomad does.
/// - `$${` is an escape for a literal `${` (the HCL convention): `$${HOME}` becomes `${HOME}` and is
///   not interpolated. A `$$` that is not followed by `{` is left as written.
/// - Text that is not a well-formed reference is left as written and not reported: an unterminated
///   `${`, an empty `${}`, and anything with other characters between the braces, which includes
///   the HCL2 index form `${meta["key"]}` / `${env["KEY"]}` (not supported; use `${meta.key}` and
///   `${env.KEY}`). As with Nomad's regular expression, a reference inside such text is still
///   interpolated: in `${a ${B}}` only `${B}` is replaced.
/// - Substituted values are not interpolated again.
package enum Interpolator {
    /// `text` with every known `${KEY}` replaced by `lookup(KEY)`, and the keys the lookup did not
    /// know (deduplicated, in first-seen order).
    package static func interpolate(_ text: String, lookup: (String) -> String?) -> (result: String, unknown: [String]) {
        var unknown = UnknownKeys()
        let result = interpolate(text, lookup: lookup, unknown: &unknown)
        return (result, unknown.keys)
    }

    /// `config` with every string value interpolated, through lists and blocks at any depth (block
    /// member names are not interpolated), and the keys the lookup did not know, deduplicated, in
    /// first-seen order (a block's members are visited in the order of their sorted names).
    package static func interpolate(_ config: DriverConfig, lookup: (String) -> String?) -> (result: DriverConfig, unknown: [String]) {
        var unknown = UnknownKeys()
        let result = interpolate(config, lookup: lookup, unknown: &unknown)
        return (result, unknown.keys)
    }

    /// One config value interpolated: strings are, lists and blocks are recursed into, the rest is
    /// returned as it is.
    package static func interpolate(_ value: ConfigValue, lookup: (String) -> String?) -> (result: ConfigValue, unknown: [String]) {
        var unknown = UnknownKeys()
        let result = interpolate(value, lookup: lookup, unknown: &unknown)
        return (result, unknown.keys)
    }

    /// Whether `key` is a key `${key}` would interpolate: non-empty, only letters, digits, `_`, `.`, `-`.
    package static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy(isKeyScalar)
    }

    // MARK: - Implementation

    /// Unknown keys, each once, in first-seen order.
    struct UnknownKeys {
        private(set) var keys: [String] = []
        private var seen: Set<String> = []

        mutating func insert(_ key: String) {
            if seen.insert(key).inserted { keys.append(key) }
        }
    }

    static func interpolate(_ config: DriverConfig, lookup: (String) -> String?, unknown: inout UnknownKeys) -> DriverConfig {
        var result = DriverConfig(minimumCapacity: config.count)
        for name in config.keys.sorted() {
            result[name] = interpolate(config[name]!, lookup: lookup, unknown: &unknown)
        }
        return result
    }

    static func interpolate(_ value: ConfigValue, lookup: (String) -> String?, unknown: inout UnknownKeys) -> ConfigValue {
        switch value {
        case .string(let text): .string(interpolate(text, lookup: lookup, unknown: &unknown))
        case .list(let values): .list(values.map { interpolate($0, lookup: lookup, unknown: &unknown) })
        case .object(let members): .object(interpolate(members, lookup: lookup, unknown: &unknown))
        case .integer, .number, .bool, .null: value
        }
    }

    static func interpolate(_ text: String, lookup: (String) -> String?, unknown: inout UnknownKeys) -> String {
        let scalars = Array(text.unicodeScalars)
        // Nothing to do without a `$`: the common case returns the string itself.
        guard scalars.contains("$") else { return text }
        var output = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let scalar = scalars[i]
            guard scalar == "$" else {
                output.append(scalar)
                i += 1
                continue
            }
            // `$${` → a literal `${`, not interpolated.
            if i + 2 < scalars.count, scalars[i + 1] == "$", scalars[i + 2] == "{" {
                output.append(contentsOf: "${".unicodeScalars)
                i += 3
                continue
            }
            // `${KEY}` with a well-formed key.
            if i + 1 < scalars.count, scalars[i + 1] == "{" {
                var end = i + 2
                while end < scalars.count, isKeyScalar(scalars[end]) { end += 1 }
                if end > i + 2, end < scalars.count, scalars[end] == "}" {
                    var key = String.UnicodeScalarView()
                    key.append(contentsOf: scalars[(i + 2)..<end])
                    let name = String(key)
                    if let value = lookup(name) {
                        output.append(contentsOf: value.unicodeScalars)
                    } else {
                        output.append(contentsOf: scalars[i...end])
                        unknown.insert(name)
                    }
                    i = end + 1
                    continue
                }
            }
            // Anything else: the `$` as written; scanning goes on right after it.
            output.append(scalar)
            i += 1
        }
        return String(output)
    }

    static func isKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "-": true
        default: false
        }
    }
}
