import CCap
#if canImport(Glibc)
import Glibc
#endif

/// A set of Linux capabilities as the kernel's 64-bit mask (bit N = capability N).
package struct CapabilitySet: Equatable, Sendable, CustomStringConvertible {
    package var mask: UInt64

    package init(mask: UInt64 = 0) { self.mask = mask }

    /// Docker's default set (docs/security.md, Defaults): what a container gets unless it asks otherwise.
    package static let dockerDefaultNames = [
        "chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid", "setuid", "setfcap",
        "setpcap", "net_bind_service", "sys_chroot", "kill", "audit_write",
    ]

    /// Every capability numbered 0...last.
    package static func all(last: Int32) -> CapabilitySet {
        CapabilitySet(mask: last >= 63 ? UInt64.max : (UInt64(1) << UInt64(last + 1)) - 1)
    }

    package func contains(_ cap: Int32) -> Bool { mask & (UInt64(1) << UInt64(cap)) != 0 }
    package mutating func insert(_ cap: Int32) { mask |= UInt64(1) << UInt64(cap) }
    package mutating func remove(_ cap: Int32) { mask &= ~(UInt64(1) << UInt64(cap)) }

    /// The capability numbers in the set, ascending.
    package var members: [Int32] { (0..<64).filter { contains(Int32($0)) }.map(Int32.init) }

    /// Lower-case names without `cap_`, as `capsh` prints them.
    package var description: String { members.map(CapabilityNames.name).joined(separator: ",") }
}

/// Capability names through libcap: `chown`, `CAP_CHOWN` and `Cap_Chown` all name capability 0.
package enum CapabilityNames {
    /// The capability a name means, or nil if libcap does not know it.
    package static func number(_ name: String) -> Int32? {
        var lowered = name.lowercased()
        if !lowered.hasPrefix("cap_") { lowered = "cap_" + lowered }
        var value = cap_value_t(0)
        guard cap_from_name(lowered, &value) == 0 else { return nil }
        return Int32(value)
    }

    /// `chown` for 0; `cap_N` for numbers libcap has no name for.
    package static func name(_ cap: Int32) -> String {
        guard let text = cap_to_name(cap_value_t(cap)) else { return "cap_\(cap)" }
        defer { cap_free(UnsafeMutableRawPointer(text)) }
        let name = String(cString: text)
        return name.hasPrefix("cap_") ? String(name.dropFirst(4)) : name
    }
}

/// What the task's capabilities should be: Docker's default adjusted by `--cap-add`/`--cap-drop`
/// (`all` in either), checked against what this host lets corral grant.
package struct CapabilityRequest: Equatable, Sendable {
    package var add: [String] = []
    package var drop: [String] = []

    package init(add: [String] = [], drop: [String] = []) {
        self.add = add
        self.drop = drop
    }

    /// The set the task gets, and the part of it the user asked for by name. As Docker:
    /// `--cap-add all` starts from every capability, `--cap-drop all` from none; otherwise from the
    /// default set; then the named drops are taken away and the named adds put in (an add wins over a
    /// drop of the same capability). A name libcap does not know, or an added capability outside
    /// corral's own bounding set, is an error; a default one outside it is left out with a warning.
    package func resolve(bounding host: CapabilitySet, last: Int32) throws(LaunchError)
        -> (set: CapabilitySet, added: CapabilitySet, warnings: [String]) {
        let adds = try numbers(add, option: "--cap-add")
        let drops = try numbers(drop, option: "--cap-drop")
        var set = CapabilitySet()
        var added = CapabilitySet()
        if adds.all {
            set = CapabilitySet.all(last: last)
            added = set
        } else if !drops.all {
            for name in CapabilitySet.dockerDefaultNames {
                if let cap = CapabilityNames.number(name) { set.insert(cap) }
            }
        }
        for cap in drops.caps { set.remove(cap) }
        for cap in adds.caps {
            set.insert(cap)
            added.insert(cap)
        }

        var warnings: [String] = []
        for cap in set.members where !host.contains(cap) {
            let named = adds.caps.contains(cap) ? add.first { CapabilityNames.number($0) == cap } : nil
            if let named {
                throw .invalid(option: "--cap-add", value: named,
                               reason: "not in corral's own bounding set on this host, so no task of it can have it")
            }
            if !adds.all { warnings.append("capability \(CapabilityNames.name(cap)) is not in corral's bounding set: the task runs without it") }
            set.remove(cap)
            added.remove(cap)
        }
        return (set, added, warnings)
    }

    private func numbers(_ names: [String], option: String) throws(LaunchError) -> (all: Bool, caps: [Int32]) {
        var all = false
        var caps: [Int32] = []
        for name in names {
            if name.lowercased() == "all" || name.lowercased() == "cap_all" {
                all = true
                continue
            }
            guard let cap = CapabilityNames.number(name) else {
                throw .usage(option: option, value: name, reason: "not a capability name (like net_admin or CAP_NET_ADMIN)")
            }
            caps.append(cap)
        }
        return (all, caps)
    }
}

/// The capability sets the task's setup applies.
///
/// Root: bounding = permitted = effective = the granted set; inheritable and ambient empty (on
/// `execve` a root task's permitted set becomes its bounding set; inheritable stays empty after
/// CVE-2022-24769).
///
/// Another user: the bounding set is the granted set, but the user holds only what was asked for by
/// name (`--cap-add`), as permitted, effective, inheritable and ambient capabilities (ambient is the
/// only way they survive `execve` without file capabilities). The default set stays out of its
/// hands, as with Docker: `setuid` or `dac_override` would make it root again.
package struct TaskCapabilities: Equatable, Sendable {
    package var bounding: CapabilitySet
    package var permitted: CapabilitySet
    package var effective: CapabilitySet
    package var inheritable: CapabilitySet
    package var ambient: CapabilitySet

    package init(granted: CapabilitySet, added: CapabilitySet, uid: UInt32) {
        bounding = granted
        let held = uid == 0 ? granted : CapabilitySet(mask: granted.mask & added.mask)
        permitted = held
        effective = held
        inheritable = uid == 0 ? CapabilitySet() : held
        ambient = uid == 0 ? CapabilitySet() : held
    }
}
