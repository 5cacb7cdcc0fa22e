import CorralJSON

/// Reads the Docker/Moby seccomp JSON format. Every error names the JSON path of the field at fault.
///
/// Accepted: `defaultAction`, `defaultErrnoRet`, `architectures`, `archMap` (`architecture`,
/// `subArchitectures`: adds them to the architectures when the native one is listed), `syscalls[]`
/// with `names` (or the older `name`), `action`, `errnoRet`, `args[]` (`index`, `value`, `valueTwo`,
/// `op`), `includes`/`excludes` (`caps`, `arches`, `minKernel`), and `comment` anywhere. `flags` and
/// `listenerPath` are refused: corral does not implement them, and silently ignoring a filter flag
/// would weaken the filter.
package enum SeccompProfileParser {
    /// The architecture of this build, in libseccomp's spelling.
    package static var nativeArchitecture: String {
        #if arch(x86_64)
        return "SCMP_ARCH_X86_64"
        #elseif arch(arm64)
        return "SCMP_ARCH_AARCH64"
        #else
        return "SCMP_ARCH_NATIVE"
        #endif
    }

    /// `isKnownCapability` checks the names in `includes.caps`/`excludes.caps`: a misspelt one would
    /// silently leave a rule in force (or out).
    package static func parse(_ text: String, source: String,
                             isKnownCapability: (String) -> Bool = { _ in true }) throws(SeccompError) -> SeccompProfile {
        let document: JSONValue
        do throws(JSONValue.SyntaxError) {
            document = try JSONValue.parse(text)
        } catch {
            throw .malformed(source: source, path: "", reason: "not valid JSON: \(error)")
        }
        return try withoutActuallyEscaping(isKnownCapability) { (check) throws(SeccompError) in
            try Reader(source: source, isKnownCapability: check).profile(document)
        }
    }
}

/// Walks the decoded JSON, keeping the path for messages.
private struct Reader {
    let source: String
    let isKnownCapability: (String) -> Bool

    func fail(_ path: String, _ reason: String) -> SeccompError {
        .malformed(source: source, path: path, reason: reason)
    }

    func object(_ value: JSONValue?, _ path: String, allowed: Set<String>) throws(SeccompError) -> [String: JSONValue] {
        guard case .object(let object)? = value else { throw fail(path, "expected an object") }
        for key in object.keys.sorted() where !allowed.contains(key) && key != "comment" {
            let at = path.isEmpty ? key : "\(path).\(key)"
            throw fail(at, "unknown field (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
        return object
    }

    func string(_ value: JSONValue?, _ path: String) throws(SeccompError) -> String {
        guard case .string(let text)? = value else { throw fail(path, "expected a string") }
        return text
    }

    func strings(_ value: JSONValue?, _ path: String) throws(SeccompError) -> [String] {
        guard let value, value != .null else { return [] }
        guard case .array(let array) = value else { throw fail(path, "expected an array of strings") }
        var result: [String] = []
        for (i, item) in array.enumerated() { result.append(try string(item, "\(path)[\(i)]")) }
        return result
    }

    /// A non-negative integer with all its 64 bits (masks are large); fractions, negatives and
    /// booleans are refused.
    func number(_ value: JSONValue?, _ path: String, max: UInt64 = UInt64.max) throws(SeccompError) -> UInt64 {
        guard case .unsigned(let exact)? = value else { throw fail(path, "expected a non-negative integer") }
        guard exact <= max else { throw fail(path, "out of range (at most \(max))") }
        return exact
    }

    func profile(_ document: JSONValue) throws(SeccompError) -> SeccompProfile {
        let root = try object(document, "", allowed: ["defaultAction", "defaultErrnoRet", "architectures", "archMap",
                                                      "syscalls", "flags", "listenerPath", "listenerMetadata"])
        for unsupported in ["flags", "listenerPath", "listenerMetadata"] where root[unsupported] != nil {
            throw fail(unsupported, "not supported by corral (a filter must not be silently weaker than written)")
        }
        let defaultErrno = try root["defaultErrnoRet"].map { (v: JSONValue) throws(SeccompError) in try number(v, "defaultErrnoRet", max: 4095) }
        guard root["defaultAction"] != nil else { throw fail("defaultAction", "missing") }
        let defaultAction = try action(root["defaultAction"], "defaultAction", errnoRet: defaultErrno.map(UInt32.init), fallbackErrno: nil)

        var architectures = try strings(root["architectures"], "architectures")
        if let map = root["archMap"] {
            guard case .array(let entries) = map else { throw fail("archMap", "expected an array") }
            for (i, entry) in entries.enumerated() {
                let path = "archMap[\(i)]"
                let item = try object(entry, path, allowed: ["architecture", "subArchitectures"])
                let arch = try string(item["architecture"], "\(path).architecture")
                let subs = try strings(item["subArchitectures"], "\(path).subArchitectures")
                if arch == SeccompProfileParser.nativeArchitecture {
                    architectures = [arch] + subs + architectures.filter { $0 != arch && !subs.contains($0) }
                }
            }
        }

        var rules: [SyscallRule] = []
        if let list = root["syscalls"] {
            guard case .array(let entries) = list else { throw fail("syscalls", "expected an array") }
            for (i, entry) in entries.enumerated() {
                rules.append(try rule(entry, "syscalls[\(i)]", defaultErrno: defaultErrno.map(UInt32.init)))
            }
        }
        return SeccompProfile(defaultAction: defaultAction, architectures: architectures, syscalls: rules)
    }

    func rule(_ value: JSONValue, _ path: String, defaultErrno: UInt32?) throws(SeccompError) -> SyscallRule {
        let item = try object(value, path, allowed: ["names", "name", "action", "errnoRet", "args", "includes", "excludes"])
        var names = try strings(item["names"], "\(path).names")
        if let single = item["name"] { names.append(try string(single, "\(path).name")) }
        guard !names.isEmpty else { throw fail("\(path).names", "no system call named") }
        for (i, name) in names.enumerated() where name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            throw fail("\(path).names[\(i)]", "\"\(name)\" is not a system call name")
        }
        let errnoRet = try item["errnoRet"].map { (v: JSONValue) throws(SeccompError) in UInt32(try number(v, "\(path).errnoRet", max: 4095)) }
        guard item["action"] != nil else { throw fail("\(path).action", "missing") }
        let action = try action(item["action"], "\(path).action", errnoRet: errnoRet, fallbackErrno: defaultErrno)

        var args: [ArgumentCondition] = []
        if let list = item["args"], list != .null {
            guard case .array(let entries) = list else { throw fail("\(path).args", "expected an array") }
            for (i, entry) in entries.enumerated() {
                let at = "\(path).args[\(i)]"
                let arg = try object(entry, at, allowed: ["index", "value", "valueTwo", "op"])
                let index = try number(arg["index"], "\(at).index", max: 5)
                let value = try number(arg["value"], "\(at).value")
                let valueTwo = try arg["valueTwo"].map { (v: JSONValue) throws(SeccompError) in try number(v, "\(at).valueTwo") } ?? 0
                let opName = try string(arg["op"], "\(at).op")
                guard let op = ArgumentOperator(rawValue: opName) else {
                    throw fail("\(at).op", "unknown operator \"\(opName)\" (expected one of: "
                               + ArgumentOperator.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                args.append(ArgumentCondition(index: UInt32(index), value: value, valueTwo: valueTwo, op: op))
            }
        }
        return SyscallRule(names: names, action: action, args: args,
                           includes: try filter(item["includes"], "\(path).includes"),
                           excludes: try filter(item["excludes"], "\(path).excludes"))
    }

    func filter(_ value: JSONValue?, _ path: String) throws(SeccompError) -> RuleFilter {
        guard let value, value != .null else { return RuleFilter() }
        let item = try object(value, path, allowed: ["caps", "arches", "minKernel"])
        let minKernel = try item["minKernel"].map { (v: JSONValue) throws(SeccompError) in try string(v, "\(path).minKernel") }
        if let minKernel, KernelVersion(minKernel) == nil {
            throw fail("\(path).minKernel", "\"\(minKernel)\" is not a kernel version like 5.8")
        }
        let caps = try strings(item["caps"], "\(path).caps")
        for (i, cap) in caps.enumerated() where !isKnownCapability(cap) {
            throw fail("\(path).caps[\(i)]", "\"\(cap)\" is not a capability name (like CAP_SYS_ADMIN)")
        }
        return RuleFilter(caps: caps, arches: try strings(item["arches"], "\(path).arches"), minKernel: minKernel)
    }

    static let actions = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                          "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_LOG"]

    func action(_ value: JSONValue?, _ path: String, errnoRet: UInt32?, fallbackErrno: UInt32?) throws(SeccompError) -> SeccompAction {
        let name = try string(value, path)
        switch name {
        case "SCMP_ACT_ALLOW": return .allow
        case "SCMP_ACT_ERRNO": return .errno(errnoRet ?? fallbackErrno ?? UInt32(EPERM_VALUE))
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return .killThread
        case "SCMP_ACT_KILL_PROCESS": return .killProcess
        case "SCMP_ACT_TRAP": return .trap
        case "SCMP_ACT_LOG": return .log
        default:
            throw fail(path, "unknown action \"\(name)\" (expected one of: \(Self.actions.joined(separator: ", ")))")
        }
    }
}

/// EPERM, without importing Glibc here.
let EPERM_VALUE: Int32 = 1

/// A kernel release's major.minor, for `minKernel`.
package struct KernelVersion: Comparable, Sendable {
    package var major: Int
    package var minor: Int

    package init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 2).prefix(2).map { Int($0.prefix { $0.isNumber }) }
        guard parts.count == 2, let major = parts[0], let minor = parts[1] else { return nil }
        self.major = major
        self.minor = minor
    }

    package static func < (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }
}
