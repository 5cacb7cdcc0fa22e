#if canImport(Glibc)
import Glibc
#endif

/// An rlimit for the task (`--rlimit NAME=SOFT[:HARD]`); `UInt64.max` means unlimited.
package struct ResourceLimit: Equatable, Sendable {
    package var name: String
    package var resource: Int32
    package var soft: UInt64
    package var hard: UInt64

    package init(name: String, resource: Int32, soft: UInt64, hard: UInt64) {
        self.name = name
        self.resource = resource
        self.soft = soft
        self.hard = hard
    }

    /// Resource names as `ulimit`/runc spell them (without `RLIMIT_`, lower case).
    package static let resources: [String: Int32] = [
        "as": Int32(RLIMIT_AS.rawValue), "core": Int32(RLIMIT_CORE.rawValue), "cpu": Int32(RLIMIT_CPU.rawValue),
        "data": Int32(RLIMIT_DATA.rawValue), "fsize": Int32(RLIMIT_FSIZE.rawValue),
        "locks": Int32(__RLIMIT_LOCKS.rawValue), "memlock": Int32(__RLIMIT_MEMLOCK.rawValue),
        "msgqueue": Int32(__RLIMIT_MSGQUEUE.rawValue), "nice": Int32(__RLIMIT_NICE.rawValue),
        "nofile": Int32(RLIMIT_NOFILE.rawValue), "nproc": Int32(__RLIMIT_NPROC.rawValue),
        "rss": Int32(__RLIMIT_RSS.rawValue), "rtprio": Int32(__RLIMIT_RTPRIO.rawValue),
        "rttime": Int32(__RLIMIT_RTTIME.rawValue), "sigpending": Int32(__RLIMIT_SIGPENDING.rawValue),
        "stack": Int32(RLIMIT_STACK.rawValue),
    ]

    /// Parses `NAME=SOFT[:HARD]`; names are case-insensitive and may carry `RLIMIT_`;
    /// values are numbers or `unlimited`/`infinity`. Without HARD, hard = soft.
    package static func parse(_ text: String) throws(LaunchError) -> ResourceLimit {
        let option = "--rlimit"  // every error here is a malformed value: .usage
        guard let eq = text.firstIndex(of: "=") else {
            throw .usage(option: option, value: text, reason: "expected NAME=SOFT[:HARD], e.g. nofile=1024:4096")
        }
        var name = text[..<eq].lowercased()
        if name.hasPrefix("rlimit_") { name.removeFirst(7) }
        guard let resource = resources[name] else {
            let known = resources.keys.sorted().joined(separator: ", ")
            throw .usage(option: option, value: text, reason: "unknown resource \"\(name)\" (known: \(known))")
        }
        let values = text[text.index(after: eq)...].split(separator: ":", omittingEmptySubsequences: false)
        guard values.count == 1 || values.count == 2 else {
            throw .usage(option: option, value: text, reason: "expected NAME=SOFT[:HARD]")
        }
        func value(_ s: Substring) throws(LaunchError) -> UInt64 {
            switch s.lowercased() {
            case "unlimited", "infinity", "-1": return UInt64.max
            default:
                guard let v = UInt64(s) else {
                    throw .usage(option: option, value: text, reason: "\"\(s)\" is not a number or \"unlimited\"")
                }
                return v
            }
        }
        let soft = try value(values[0])
        let hard = values.count == 2 ? try value(values[1]) : soft
        guard soft <= hard else {
            throw .usage(option: option, value: text, reason: "the soft limit is above the hard limit")
        }
        return ResourceLimit(name: name, resource: resource, soft: soft, hard: hard)
    }

    /// Lowers the limit to the host's current hard limit when the caller cannot raise it
    /// (no CAP_SYS_RESOURCE), returning the warning to show; nil when nothing changed.
    package mutating func clamp(toHardLimit current: UInt64, canRaise: Bool) -> String? {
        guard !canRaise, hard > current else { return nil }
        let asked = "\(ResourceLimit.format(soft)):\(ResourceLimit.format(hard))"
        hard = current
        soft = min(soft, current)
        return "rlimit \(name) lowered from \(asked) to \(ResourceLimit.format(soft)):\(ResourceLimit.format(hard)): "
            + "the host's hard limit is \(ResourceLimit.format(current)) and corral lacks CAP_SYS_RESOURCE to raise it"
    }

    static func format(_ v: UInt64) -> String { v == UInt64.max ? "unlimited" : String(v) }
}
