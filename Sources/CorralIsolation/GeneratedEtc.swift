/// The `/etc` of a default chroot (no image, and `/etc` not listed in the chroot entries): a few
/// generated files and a few read-only pieces of the host's, never the host's whole `/etc`. A task,
/// root or not, must not read the host's `shadow`, `gshadow`, `sudoers`, ssh keys or corral's own
/// config and token (a root task holds CAP_DAC_OVERRIDE, so file modes do not protect them).
///
/// The files are written into the task's root tmpfs by the launch child (`MountStep.file`): they
/// live and die with the task's mount namespace, so no path of a failed or finished task can leave
/// them behind on the host.
package struct GeneratedEtc: Equatable, Sendable {
    /// The generated `/etc/passwd` and `/etc/group`: the task's user is resolved against them.
    package var passwd: String
    package var group: String
    /// The steps that build `/etc` in the task's root, before the chroot entries.
    package var steps: [MountStep]

    /// Host entries shown read-only as they are (a symlink as the same symlink): what dynamic
    /// linking, time zones, TLS and Debian's alternatives need, and nothing that holds a secret.
    /// `/etc/ssl/certs` only (`/etc/ssl/private` holds keys); the certificates it links to are
    /// under `/usr`, which the chroot has.
    package static let hostEntries = [
        "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
        "/etc/timezone", "/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/pki/ca-trust/extracted", "/etc/os-release",
        "/etc/protocols", "/etc/services",
    ]

    /// The files corral writes itself.
    package static let generatedFiles = ["/etc/passwd", "/etc/group", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
                                        "/etc/nsswitch.conf"]

    /// Only the `files` sources: a host's `nsswitch.conf` may name modules (sss, systemd, ldap) that
    /// would try to reach host daemons the task has no business talking to.
    static let nsswitch = """
        passwd:         files
        group:          files
        shadow:         files
        hosts:          files dns
        networks:       files
        protocols:      files
        services:       files
        ethers:         files
        rpc:            files
        netgroup:       files

        """

    /// The largest host file copied in (`/etc/passwd`, `/etc/group`, `/etc/resolv.conf`).
    static let maximumHostFileBytes = 4 << 20

    /// `/etc` for a task named `hostname` that runs as `users` (each `USER[:GROUP]`, as `--user`
    /// takes it): root and nobody always, plus each user and group asked for that is a host one,
    /// with the host groups the user is a member of (so its supplementary groups resolve).
    package init(host: HostEnvironment, hostname: String, users specs: [String]) {
        let hostUsers = PasswdLine.parse(Self.hostText(host, "/etc/passwd"))
        let hostGroups = GroupLine.parse(Self.hostText(host, "/etc/group"))

        var users = [hostUsers.first { $0.uid == 0 }
            ?? PasswdLine(name: "root", uid: 0, gid: 0, gecos: "root", home: "/root", shell: "/bin/sh")]
        users.append(hostUsers.first { $0.uid == UserIdentity.nobodyID }
            ?? PasswdLine(name: "nobody", uid: UserIdentity.nobodyID, gid: UserIdentity.nobodyID, gecos: "nobody",
                          home: "/nonexistent", shell: "/usr/sbin/nologin"))
        var groups = [hostGroups.first { $0.gid == 0 } ?? GroupLine(name: "root", gid: 0, members: [])]
        groups.append(hostGroups.first { $0.gid == UserIdentity.nobodyID }
            ?? GroupLine(name: "nogroup", gid: UserIdentity.nobodyID, members: []))
        // Member lists name host users the task does not have; only the task's user is kept below.
        groups = groups.map { GroupLine(name: $0.name, gid: $0.gid, members: []) }

        func addGroup(_ line: GroupLine, member: String?) {
            if let index = groups.firstIndex(where: { $0.gid == line.gid }) {
                if let member, !groups[index].members.contains(member) { groups[index].members.append(member) }
            } else {
                groups.append(GroupLine(name: line.name, gid: line.gid, members: member.map { [$0] } ?? []))
            }
        }
        for spec in specs {
            let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let userPart = parts[0]
            let user = hostUsers.first { $0.name == userPart }
                ?? UInt32(userPart).flatMap { uid in hostUsers.first { $0.uid == uid } }
            if let user {
                if !users.contains(where: { $0.uid == user.uid || $0.name == user.name }) { users.append(user) }
                if let primary = hostGroups.first(where: { $0.gid == user.gid }) { addGroup(primary, member: nil) }
                for line in hostGroups where line.members.contains(user.name) { addGroup(line, member: user.name) }
            }
            if parts.count == 2 {
                let groupPart = parts[1]
                if let line = hostGroups.first(where: { $0.name == groupPart })
                    ?? UInt32(groupPart).flatMap({ gid in hostGroups.first { $0.gid == gid } }) {
                    addGroup(line, member: nil)
                }
            }
        }
        passwd = users.map(\.line).joined(separator: "\n") + "\n"
        group = groups.map(\.line).joined(separator: "\n") + "\n"

        var steps: [MountStep] = [.directory(target: "/etc", mode: 0o755)]
        let files: [(String, String)] = [
            ("/etc/passwd", passwd), ("/etc/group", group),
            ("/etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t\(hostname)\n"),
            ("/etc/hostname", hostname + "\n"),
            // The host's resolver, read now (a bind would follow its symlink into the host's /run).
            ("/etc/resolv.conf", Self.hostText(host, "/etc/resolv.conf")),
            ("/etc/nsswitch.conf", Self.nsswitch),
        ]
        steps += files.map { MountStep.file(target: $0.0, contents: $0.1, mode: 0o644) }
        steps += RootfsLayout.chrootSteps(entries: Self.hostEntries, host: host)
        self.steps = steps
    }

    /// A host text file, or "" when it is missing, unreadable or larger than corral copies.
    static func hostText(_ host: HostEnvironment, _ path: String) -> String {
        guard host.fileKind(atPath: path, followSymlinks: true) == .file, let text = host.readTextFile(atPath: path),
              text.utf8.count <= maximumHostFileBytes else { return "" }
        return text
    }

    /// Whether the chroot entries bring the host's own `/etc` (the operator listed it, or `/`):
    /// then it is theirs and nothing is generated.
    package static func isReplaced(byChrootEntries entries: [String]) -> Bool {
        entries.contains { entry in
            let components = entry.split(separator: "/")
            return components.isEmpty || components == ["etc"]
        }
    }
}

/// One whole line of `/etc/passwd`, rewritten with `x` for the password.
struct PasswdLine: Equatable {
    var name: String
    var uid: UInt32
    var gid: UInt32
    var gecos: String
    var home: String
    var shell: String

    var line: String { "\(name):x:\(uid):\(gid):\(gecos):\(home):\(shell)" }

    static func parse(_ text: String) -> [PasswdLine] {
        ColonSeparatedLines.parse(text).compactMap { f in
            guard f.count >= 7, !f[0].isEmpty, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
            return PasswdLine(name: f[0], uid: uid, gid: gid, gecos: f[4], home: f[5], shell: f[6])
        }
    }
}

/// One whole line of `/etc/group`, rewritten with `x` for the password.
struct GroupLine: Equatable {
    var name: String
    var gid: UInt32
    var members: [String]

    var line: String { "\(name):x:\(gid):" + members.joined(separator: ",") }

    static func parse(_ text: String) -> [GroupLine] {
        GroupEntry.parse(text).map { GroupLine(name: $0.name, gid: $0.gid, members: $0.members) }
    }
}
