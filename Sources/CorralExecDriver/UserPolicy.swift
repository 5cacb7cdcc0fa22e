import CorralIsolation

/// Who an exec task may run as: `client { user_allowlist = [...], user_denylist = [...] }`. Judged
/// by number on the identity the task really gets (its uid, gid and supplementary groups, as
/// resolved through its image's or its generated `/etc`), so that `0`, `00` or an image's `toor`
/// with uid 0 are all root. Nomad's client has the same knob as `user.denylist`; as there, the
/// agent's default denies `root` to exec tasks.
package struct UserPolicy: Sendable, Equatable {
    /// One list entry: the user's uid (nil for a name that is only a group) and the group ids it
    /// stands for (its primary group and the group of the same name).
    package struct Entry: Sendable, Equatable {
        package var written: String
        package var uid: UInt32?
        package var gids: [UInt32]

        package init(written: String, uid: UInt32?, gids: [UInt32]) {
            self.written = written
            self.uid = uid
            self.gids = gids
        }
    }

    /// nil: anyone not denied. Otherwise the uid must be one of theirs, and every group one of theirs.
    package var allow: [Entry]?
    package var deny: [Entry]

    package init(allow: [Entry]?, deny: [Entry]) {
        self.allow = allow
        self.deny = deny
    }

    package static let anyone = UserPolicy(allow: nil, deny: [])

    /// The agent's `user_denylist` unless configured.
    package static let defaultDenylist = ["root"]

    /// `written` as entries: a number is that uid and that gid; a name is looked up in the host's
    /// `passwd` (uid, primary gid) and `group` (the group of that name). Throws the first entry that
    /// is neither, or a number above 2147483647.
    package static func entries(_ written: [String], passwd: String, group: String) throws(UserListError) -> [Entry] {
        let users = fields(passwd, count: 4)
        let groups = fields(group, count: 3)
        var result: [Entry] = []
        for text in written {
            if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
                guard let id = UInt32(text), id <= UserIdentity.maximumID else { throw UserListError(entry: text) }
                result.append(Entry(written: text, uid: id, gids: [id]))
                continue
            }
            var uid: UInt32?
            var gids: [UInt32] = []
            if let line = users.first(where: { $0[0] == text }), let id = UInt32(line[2]), let gid = UInt32(line[3]) {
                uid = id
                gids.append(gid)
            } else if text == "root" {
                // Root is root on any host, whatever its passwd says.
                uid = 0
                gids.append(0)
            }
            if let line = groups.first(where: { $0[0] == text }), let gid = UInt32(line[2]), !gids.contains(gid) { gids.append(gid) }
            guard uid != nil || !gids.isEmpty else { throw UserListError(entry: text) }
            result.append(Entry(written: text, uid: uid, gids: gids))
        }
        return result
    }

    /// Why a task running as `identity` (asked for as `user`, empty for the default) may not, or nil.
    /// Whether root (uid 0) is kept out: denied, or missing from an allow-list. Then no task may hold
    /// what makes any user root again (`setuid`/`setgid` as added capabilities, which a non-root
    /// user keeps as ambient ones).
    package var deniesRoot: Bool {
        deny.contains { $0.uid == 0 } || (allow.map { !$0.contains { $0.uid == 0 } } ?? false)
    }

    package func problem(task: String, user: String, identity: UserIdentity) -> String? {
        problem(task: task, user: user, uid: identity.uid, groups: [identity.gid] + identity.supplementaryGroups)
    }

    /// At submission, what can be known without reading the task's image: the whole identity for
    /// the default user and in the default chroot (whose `/etc` is generated from the host's), the
    /// ids written as numbers in an image. The start judges the identity the image resolves.
    package func submissionProblem(task: String, user: String, image: String?, chrootEnv: [String]) -> String? {
        if user.isEmpty || image == nil {
            var spec = IsolationSpec(command: ["/"], hostname: "task")
            spec.user = user.isEmpty ? nil : user
            spec.defaultUser = ExecDriver.defaultUser
            spec.chrootEnv = chrootEnv
            // A user the chroot lacks fails the start with its own message.
            guard let identity = try? LaunchPlanBuilder().chrootIdentity(spec) else { return nil }
            return problem(task: task, user: user, identity: identity)
        }
        let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let number = { (part: Substring) -> UInt32? in part.allSatisfy { $0.isASCII && $0.isNumber } ? UInt32(part) : nil }
        return problem(task: task, user: user, uid: number(parts[0]), groups: parts.count == 2 ? number(parts[1]).map { [$0] } ?? [] : [])
    }

    /// `uid` nil: not known yet; `groups`: those known.
    private func problem(task: String, user: String, uid: UInt32?, groups: [UInt32]) -> String? {
        let asked = user.isEmpty ? "the default user" : "user \"\(user)\""
        if let uid, let entry = deny.first(where: { $0.uid == uid }) {
            return "task \"\(task)\": \(asked) runs as uid \(uid), which the agent's user_denylist refuses (\"\(entry.written)\"); "
                + "run it as another user, or an operator changes client { user_denylist = [...] } in the agent configuration"
        }
        for gid in groups {
            guard let entry = deny.first(where: { $0.gids.contains(gid) }) else { continue }
            return "task \"\(task)\": \(asked) runs with group \(gid), which the agent's user_denylist refuses (\"\(entry.written)\"); "
                + "give it another group (user = \"USER:GROUP\"), or an operator changes client { user_denylist = [...] } in the agent configuration"
        }
        if let allow {
            let list = allow.map { "\"\($0.written)\"" }.joined(separator: ", ")
            if let uid, !allow.contains(where: { $0.uid == uid }) {
                return "task \"\(task)\": \(asked) runs as uid \(uid), which is not in the agent's user_allowlist ([\(list)]); "
                    + "an operator allows users with client { user_allowlist = [...] } in the agent configuration"
            }
            for gid in groups where !allow.contains(where: { $0.gids.contains(gid) }) {
                return "task \"\(task)\": \(asked) runs with group \(gid), which is not in the agent's user_allowlist ([\(list)]); "
                    + "an operator allows users and groups with client { user_allowlist = [...] } in the agent configuration"
            }
        }
        return nil
    }

    /// The first `count` colon-separated fields of each line long enough.
    private static func fields(_ text: String, count: Int) -> [[String]] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            return parts.count >= count ? parts : nil
        }
    }
}

/// A `user_allowlist` or `user_denylist` entry that is no host user or group, nor an id.
package struct UserListError: Error, Sendable, Equatable {
    package var entry: String
}
