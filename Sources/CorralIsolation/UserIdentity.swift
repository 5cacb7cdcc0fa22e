/// The user a task runs as: ids, supplementary groups and home, resolved against the task's
/// own `/etc/passwd` and `/etc/group` (not the host's, when the task has an image).
package struct UserIdentity: Equatable, Sendable {
    package var uid: UInt32
    package var gid: UInt32
    package var supplementaryGroups: [UInt32]
    package var home: String

    package init(uid: UInt32, gid: UInt32, supplementaryGroups: [UInt32] = [], home: String = "/") {
        self.uid = uid
        self.gid = gid
        self.supplementaryGroups = supplementaryGroups
        self.home = home
    }

    /// The uid and gid of `nobody` (and `nogroup`) on Linux.
    package static let nobodyID: UInt32 = 65534

    /// The highest uid or gid a task may have, as runc allows: above it `setuid` would read the
    /// value as -1 ("unchanged") or the kernel as an invalid id, and a task asked to run as
    /// 4294967295 would stay root.
    package static let maximumID: UInt32 = 0x7fff_ffff

    /// The identity of a default user the task's `/etc/passwd` lacks (an image without `nobody`).
    package static func builtIn(_ name: String) -> UserIdentity? {
        switch name {
        case "root": UserIdentity(uid: 0, gid: 0, home: "/root")
        case "nobody": UserIdentity(uid: nobodyID, gid: nobodyID, home: "/")
        default: nil
        }
    }

    /// Resolves `USER[:GROUP]` (names or numeric ids). A numeric uid absent from passwd runs with
    /// gid 0 and home `/`, as Docker does; a name that is absent is an error. Every id, given or
    /// found in passwd and group, must be at most `maximumID`.
    package static func resolve(_ spec: String, passwd: String, group: String) throws(LaunchError) -> UserIdentity {
        let identity = try resolveIDs(spec, passwd: passwd, group: group)
        for (what, id) in [("user id", identity.uid), ("group id", identity.gid)] + identity.supplementaryGroups.map({ ("group id", $0) })
        where id > maximumID {
            throw .usage(option: "--user", value: spec,
                         reason: "resolves to \(what) \(id), above the highest allowed (\(maximumID))")
        }
        return identity
    }

    private static func resolveIDs(_ spec: String, passwd: String, group: String) throws(LaunchError) -> UserIdentity {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts[0]
        guard !userPart.isEmpty else {
            throw .usage(option: "--user", value: spec, reason: "the user is empty")
        }
        for (what, part) in [("user id", userPart), ("group id", parts.count == 2 ? parts[1] : "")]
        where looksNumeric(part) && (part.first?.isNumber != true || (UInt32(part).map { $0 > maximumID } ?? true)) {
            throw .usage(option: "--user", value: spec, reason: "the \(what) \(part) is out of range: expected 0 to \(maximumID)")
        }
        let users = PasswdEntry.parse(passwd)
        let groups = GroupEntry.parse(group)
        var identity: UserIdentity
        var userName: String?
        if let entry = users.first(where: { $0.name == userPart }) {
            identity = UserIdentity(uid: entry.uid, gid: entry.gid, home: entry.home.isEmpty ? "/" : entry.home)
            userName = entry.name
        } else if let uid = UInt32(userPart) {
            if let entry = users.first(where: { $0.uid == uid }) {
                identity = UserIdentity(uid: uid, gid: entry.gid, home: entry.home.isEmpty ? "/" : entry.home)
                userName = entry.name
            } else {
                identity = UserIdentity(uid: uid, gid: 0)
            }
        } else {
            throw .invalid(option: "--user", value: spec, reason: "no such user in the task's /etc/passwd")
        }
        if parts.count == 2 {
            let groupPart = parts[1]
            if let entry = groups.first(where: { $0.name == groupPart }) {
                identity.gid = entry.gid
            } else if let gid = UInt32(groupPart) {
                identity.gid = gid
            } else {
                throw .invalid(option: "--user", value: spec, reason: "no such group in the task's /etc/group")
            }
        }
        if let userName {
            var extra: [UInt32] = []
            for entry in groups where entry.members.contains(userName) && !extra.contains(entry.gid) {
                extra.append(entry.gid)
            }
            identity.supplementaryGroups = extra
        }
        return identity
    }
}

/// A number, signed or too big for any id: never a user or group name (a signed one is refused:
/// `-0` or `+0` would otherwise be read as root).
private func looksNumeric(_ text: String) -> Bool {
    let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
    return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
}

/// One line of `/etc/passwd`.
struct PasswdEntry: Equatable {
    var name: String
    var uid: UInt32
    var gid: UInt32
    var home: String

    /// Parses the well-formed lines; comments, blanks and malformed lines are ignored, as libc does.
    static func parse(_ text: String) -> [PasswdEntry] {
        ColonSeparatedLines.parse(text).compactMap { f in
            guard f.count >= 7, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
            return PasswdEntry(name: f[0], uid: uid, gid: gid, home: f[5])
        }
    }
}

/// One line of `/etc/group`.
struct GroupEntry: Equatable {
    var name: String
    var gid: UInt32
    var members: [String]

    static func parse(_ text: String) -> [GroupEntry] {
        ColonSeparatedLines.parse(text).compactMap { f in
            guard f.count >= 4, let gid = UInt32(f[2]) else { return nil }
            let members = f[3].utf8.split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self).trimmingSpaces() }
            return GroupEntry(name: f[0], gid: gid, members: members)
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
