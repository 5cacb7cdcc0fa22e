import CorralTestFiles
import CorralDriver
@testable import CorralExecDriver
import CorralIsolation
import Foundation
import Testing
import CorralResourceTypes

/// The agent's driver policy as a pure check (no privileges): raw_exec off, `cap_add` within
/// `allow_caps`, binds and devices within their allow-lists, and no root or writable bind over
/// corral's own directories, each refusal naming the task, the setting and the knob.
@Suite struct DriverPolicyTests {
    /// An agent's policy over `/var/lib/corral` and `/run/corral`, with `/data` and `/dev/fuse` allowed.
    static let agent = DriverPolicy(rawExecEnabled: false, allowedCapabilities: DriverPolicy.defaultAllowedCapabilities,
                                    bindAllowlist: ["/data", "/srv/shared"], deviceAllowlist: ["/dev/fuse", "/dev/dri"],
                                    protectedPaths: ["/var/lib/corral", "/run/corral/tasks", "/run/corral"])

    /// Symlinks as a host might have them: `/var/run` is `/run`, `/data/link` points at corral's data.
    static func resolve(_ path: String) -> String {
        let links = ["/var/run": "/run", "/data/link": "/var/lib/corral", "/lnk": "/", "/dev/myfuse": "/dev/fuse"]
        var normalized = HostPaths.normalize(path)
        for (link, target) in links where HostPaths.isWithin(normalized, link) {
            normalized = HostPaths.normalize(target + "/" + normalized.dropFirst(link.count))
        }
        return normalized
    }

    func problem(_ config: DriverConfig, policy: DriverPolicy = agent, driver: String = "exec",
                 mounts: [MountRequest] = [], devices: [DeviceRequest] = []) -> String? {
        policy.problem(task: "web", driver: driver, config: config, mounts: mounts, devices: devices, resolve: Self.resolve)
    }

    static func bind(_ source: String, readOnly: Bool = false) -> ConfigValue {
        .object(["type": .string("bind"), "source": .string(source), "target": .string("/x"), "readonly": .bool(readOnly)])
    }

    @Test func rawExecIsRefusedUnlessEnabled() throws {
        let message = try #require(problem(["command": .string("/bin/true")], driver: "raw_exec"))
        #expect(message.contains("task \"web\""))
        #expect(message.contains(#"plugin "raw_exec" { config { enabled = true } }"#))
        var enabled = Self.agent
        enabled.rawExecEnabled = true
        #expect(problem(["command": .string("/bin/true")], policy: enabled, driver: "raw_exec") == nil)
        #expect(problem(["command": .string("/bin/true")], policy: .unrestricted, driver: "raw_exec") == nil)
        // Other drivers are not the policy's business.
        #expect(problem(["cap_add": .list([.string("sys_admin")])], driver: "mock") == nil)
    }

    @Test func capAddMustStayWithinAllowCaps() throws {
        for name in ["chown", "CAP_CHOWN", "Net_Raw", "kill", "audit_write"] {
            #expect(problem(["cap_add": .list([.string(name)])]) == nil, "\(name)")
        }
        for name in ["sys_admin", "CAP_SYS_ADMIN", "sys_ptrace", "net_admin", "dac_read_search", "all", "ALL", "cap_all", "bpf"] {
            let message = try #require(problem(["cap_add": .list([.string("chown"), .string(name)])]), "\(name)")
            #expect(message.contains("config.cap_add[1] \"\(name)\""), "\(message)")
            #expect(message.contains("allow_caps"))
            #expect(message.contains("task \"web\""))
        }
        var wider = Self.agent
        wider.allowedCapabilities = DriverPolicy.defaultAllowedCapabilities + ["sys_admin"]
        #expect(problem(["cap_add": .list([.string("CAP_SYS_ADMIN")])], policy: wider) == nil)
        wider.allowedCapabilities = ["all"]
        #expect(problem(["cap_add": .list([.string("all")])], policy: wider) == nil)
        wider.allowedCapabilities = []
        #expect(problem(["cap_add": .list([.string("chown")])], policy: wider) != nil)
        #expect(problem(["cap_drop": .list([.string("all")])], policy: wider) == nil, "dropping is always allowed")
    }

    /// With root kept out by the user lists, no task may add what makes any user root again.
    @Test func capabilitiesThatMakeRootAreRefusedWhenRootIsDenied() throws {
        var denying = Self.agent
        denying.users = UserPolicy(allow: nil, deny: [UserPolicy.Entry(written: "root", uid: 0, gids: [0])])
        for name in ["setuid", "CAP_SETGID", "SetUID", "all", "cap_all"] {
            var wide = denying
            wide.allowedCapabilities = ["all"]
            let message = try #require(problem(["cap_add": .list([.string(name)])], policy: wide), "\(name)")
            #expect(message.contains("user_denylist"), "\(message)")
        }
        #expect(problem(["cap_add": .list([.string("chown")])], policy: denying) == nil)
        // Root allowed: setuid is the operator's business again (within allow_caps).
        #expect(problem(["cap_add": .list([.string("setuid")])]) == nil)
    }

    /// A seccomp profile other than the default widens what a task may ask of the kernel: an agent knob.
    @Test func seccompProfilesOtherThanTheDefaultNeedTheKnob() throws {
        let strict = Self.agent.allowingSeccompProfiles(false)
        for profile in ["unconfined", "/etc/shadow", "/dev/zero", "profiles/x.json"] {
            let message = try #require(problem(["seccomp_profile": .string(profile)], policy: strict), "\(profile)")
            #expect(message.contains("allow_seccomp_profiles"), "\(message)")
        }
        #expect(problem(["seccomp_profile": .string("default")], policy: strict) == nil)
        #expect(problem(["seccomp_profile": .string("unconfined")], policy: strict.allowingSeccompProfiles(true)) == nil)
        #expect(problem(["seccomp_profile": .string("unconfined")], policy: .unrestricted) == nil)
    }

    @Test func bindSourcesMustBeInTheAllowList() throws {
        for source in ["/data", "/data/sub/dir", "/srv/shared", "/data/./x"] {
            #expect(problem(["mounts": .list([Self.bind(source)])]) == nil, "\(source)")
            #expect(problem(["image": .string("/srv/images/a")], mounts: [MountRequest(source: source, target: "/x")]) == nil)
        }
        for source in ["/", "/etc", "/dat", "/data2", "/srv", "/srv/shared/../../etc", "/root/.ssh", "/lnk/etc", "/proc/1/root"] {
            let message = try #require(problem(["mounts": .list([Self.bind("/data"), Self.bind(source, readOnly: true)])]), "\(source)")
            #expect(message.contains("config.mounts[1].source \"\(source)\""), "\(message)")
            #expect(message.contains("bind_allowlist"), "\(message)")
            let viaTask = try #require(problem([:], mounts: [MountRequest(source: source, target: "/x", readOnly: true)]))
            #expect(viaTask.contains("mounts[0].source"))
        }
        // No list: anything but corral's own directories.
        var open = Self.agent
        open.bindAllowlist = nil
        #expect(problem(["mounts": .list([Self.bind("/etc")])], policy: open) == nil)
        // Deny by default: an empty list allows nothing.
        open.bindAllowlist = []
        #expect(problem(["mounts": .list([Self.bind("/data")])], policy: open)?.contains("empty") == true)
        // tmpfs mounts have no source to judge.
        #expect(problem(["mounts": .list([.object(["type": .string("tmpfs"), "target": .string("/t")])])]) == nil)
    }

    @Test func devicesMustBeInTheAllowList() throws {
        let device = { (path: String) -> ConfigValue in .list([.object(["host_path": .string(path)])]) }
        for path in ["/dev/fuse", "/dev/dri/card0", "/dev/myfuse"] {
            #expect(problem(["devices": device(path)]) == nil, "\(path)")
            #expect(problem([:], devices: [DeviceRequest(hostPath: path)]) == nil, "\(path)")
        }
        for path in ["/dev/sda", "/dev/mem", "/dev/kmsg", "/dev/fuse2", "/dev", "/dev/dri/../sda", "/lnk/dev/sda"] {
            let message = try #require(problem(["devices": device(path)]), "\(path)")
            #expect(message.contains("config.devices[0].host_path \"\(path)\""), "\(message)")
            #expect(message.contains("device_allowlist"))
            #expect(try #require(problem([:], devices: [DeviceRequest(hostPath: path)])).contains("devices[0].host_path"))
        }
        var open = Self.agent
        open.deviceAllowlist = nil
        #expect(problem(["devices": device("/dev/sda")], policy: open) == nil)
    }

    @Test func noRootOrWritableBindReachesCorralsOwnDirectories() throws {
        var open = Self.agent
        open.bindAllowlist = nil
        // Each class: the directory itself, inside it, above it, and through a symlink.
        for source in ["/var/lib/corral", "/var/lib/corral/alloc", "/var/lib", "/var", "/", "/run", "/var/run/corral",
                       "/run/corral/tasks/x", "/data/link", "/data/link/alloc", "/lnk", "/var/lib/corral/../corral"] {
            let message = try #require(problem(["mounts": .list([Self.bind(source)])], policy: open), "\(source)")
            #expect(message.contains("corral's own directory"), "\(message)")
            #expect(message.contains("config.mounts[0].source \"\(source)\""), "\(message)")
            #expect(problem([:], policy: open, mounts: [MountRequest(source: source, target: "/x")]) != nil, "\(source)")
        }
        // Read-only neither: they hold the agent's state, other tasks' files and the socket.
        for source in ["/var/lib/corral", "/var/lib/corral/alloc/x/alloc/data", "/var/lib", "/run/corral/corral.sock", "/data/link"] {
            let message = try #require(problem(["mounts": .list([Self.bind(source, readOnly: true)])], policy: open), "\(source)")
            #expect(message.contains("not even read-only"), "\(message)")
            #expect(problem([:], policy: open, mounts: [MountRequest(source: source, target: "/x", readOnly: true)]) != nil)
        }
        #expect(problem(["mounts": .list([Self.bind("/var/lib/corralx")])], policy: open) == nil)
        // An image is the task's root, writable: never over them, never the host's root.
        for image in ["/", "/lnk", "/var/lib/corral", "/var/lib", "/run/corral/tasks/a/b", "/var/run", "/data/link", "//"] {
            let message = try #require(problem(["image": .string(image)]), "\(image)")
            #expect(message.contains("config.image \"\(image)\""), "\(message)")
        }
        #expect(try #require(problem(["image": .string("/")])).contains("the host's root directory"))
        #expect(problem(["image": .string("/srv/images/alpine")]) == nil)
    }

    /// Images come only from the image allow-list (deny by default, as bind sources), judged
    /// after symlinks; the host's root and corral's own directories never.
    @Test func imagesMustBeInTheImageAllowList() throws {
        var agent = Self.agent
        agent.imageAllowlist = ["/srv/images"]
        for image in ["/srv/images/alpine", "/srv/images/a/b", "/srv/images/./c"] {
            #expect(problem(["image": .string(image)], policy: agent) == nil, "\(image)")
        }
        for image in ["/usr", "/srv/images2", "/srv", "/srv/images/../../usr", "/etc", "/home/user/img", "/lnk/usr", "/data"] {
            let message = try #require(problem(["image": .string(image)], policy: agent), "\(image)")
            #expect(message.contains("config.image \"\(image)\""), "\(message)")
            #expect(message.contains("image_allowlist"), "\(message)")
        }
        agent.imageAllowlist = []
        #expect(try #require(problem(["image": .string("/srv/images/alpine")], policy: agent)).contains("empty"))
        // corral's own directories and the host's root stay refused even when allow-listed.
        agent.imageAllowlist = ["/"]
        for image in ["/", "/var/lib/corral/alloc/x", "/run/corral", "/lnk"] {
            #expect(problem(["image": .string(image)], policy: agent) != nil, "\(image)")
        }
    }

    /// An image or a writable bind must lie on a nosuid,nodev host mount unless the operator opts
    /// in; read-only binds need not (nothing can be planted through them).
    @Test func writableSourcesMustBeOnNosuidNodevMounts() throws {
        var agent = Self.agent
        agent.allowSuidWritableSources = false
        agent.imageAllowlist = nil
        // /data is nosuid,nodev; /srv/shared lacks nodev; /srv/images lacks both; /gone cannot be read.
        let flags = { (path: String) -> HostPaths.MountFlags? in
            if HostPaths.isWithin(path, "/data") { return .init(nosuid: true, nodev: true) }
            if HostPaths.isWithin(path, "/srv/shared") { return .init(nosuid: true, nodev: false) }
            if HostPaths.isWithin(path, "/srv/images") { return .init(nosuid: false, nodev: false) }
            return nil
        }
        func check(_ config: DriverConfig, mounts: [MountRequest] = []) -> String? {
            agent.problem(task: "web", driver: "exec", config: config, mounts: mounts, resolve: Self.resolve, mountFlags: flags)
        }
        #expect(check(["mounts": .list([Self.bind("/data/x")])]) == nil)
        #expect(check([:], mounts: [MountRequest(source: "/data", target: "/x")]) == nil)
        #expect(check(["mounts": .list([Self.bind("/srv/shared", readOnly: true)])]) == nil)
        for (config, mounts, key, missing) in [
            (["mounts": .list([Self.bind("/srv/shared/x")])], [], "config.mounts[0].source", "nodev"),
            ([:], [MountRequest(source: "/srv/shared", target: "/x")], "mounts[0].source", "nodev"),
            (["image": .string("/srv/images/alpine")], [], "config.image", "nosuid and nodev"),
            (["image": .string("/data/../srv/images/a")], [], "config.image", "nosuid and nodev"),
        ] as [(DriverConfig, [MountRequest], String, String)] {
            let message = try #require(check(config, mounts: mounts), "\(key)")
            #expect(message.contains(key), "\(message)")
            #expect(message.contains("without \(missing)"), "\(message)")
            #expect(message.contains("allow_suid_writable_sources"), "\(message)")
        }
        #expect(try #require(check(["image": .string("/gone/img")])).contains("cannot read its host mount's flags"))
        agent.allowSuidWritableSources = true
        #expect(check(["image": .string("/srv/images/alpine")]) == nil)
        // The real host: the flags of /proc are those the mount table lists for it.
        let proc = try #require(HostPaths.mountFlags("/proc"))
        let table = try #require(ProcFile.text("/proc/self/mounts"))
        let options = try #require(table.split(separator: "\n").map { $0.split(separator: " ") }.last { $0.count > 3 && $0[1] == "/proc" })[3]
            .split(separator: ",")
        #expect(proc == HostPaths.MountFlags(nosuid: options.contains("nosuid"), nodev: options.contains("nodev")))
        #expect(HostPaths.mountFlags("/nonexistent-\(getpid())") == nil)
    }

    /// The paths the driver mounts are the ones judged: each resolved once.
    @Test func theApprovalCarriesTheCanonicalPaths() throws {
        var agent = Self.agent
        agent.imageAllowlist = nil
        let approval = try agent.approve(task: "web", driver: "exec",
                                         config: ["image": .string("/srv/images/./a"), "mounts": .list([Self.bind("/data//sub/../x")])],
                                         mounts: [MountRequest(source: "/data/./y", target: "/y")],
                                         resolve: Self.resolve, mountFlags: { _ in nil }).get()
        #expect(approval.path("/srv/images/./a") == "/srv/images/a")
        #expect(approval.path("/data//sub/../x") == "/data/x")
        #expect(approval.path("/data/./y") == "/data/y")
        #expect(approval.path("/other") == "/other")
        #expect(throws: DriverPolicy.Refusal.self) {
            try agent.approve(task: "web", driver: "exec", config: ["image": .string("/lnk")], resolve: Self.resolve).get()
        }
    }

    /// pid, ipc and network modes of "host" are each behind their own knob, off in an agent.
    @Test func hostNamespacesNeedTheirKnobs() throws {
        var agent = Self.agent
        agent.hostNamespaces = .denied
        for (key, knob) in [("pid_mode", "allow_host_pid"), ("ipc_mode", "allow_host_ipc"), ("network_mode", "allow_host_network")] {
            let message = try #require(problem([key: .string("host")], policy: agent), "\(key)")
            #expect(message.contains("config.\(key) \"host\""), "\(message)")
            #expect(message.contains("\(knob) = true"), "\(message)")
            #expect(problem([key: .string(key == "network_mode" ? "none" : "private")], policy: agent) == nil)
        }
        agent.hostNamespaces = HostNamespacesAllowingOnly.pid
        #expect(problem(["pid_mode": .string("host")], policy: agent) == nil)
        #expect(problem(["ipc_mode": .string("host")], policy: agent) != nil)
        #expect(problem(["network_mode": .string("host")], policy: agent) != nil)
        #expect(problem(["network_mode": .string("host")], policy: .unrestricted) == nil)
    }

    enum HostNamespacesAllowingOnly {
        static let pid = DriverPolicy.HostNamespaces(pid: true, ipc: false, network: false)
    }

    @Test func capabilityNamesAreCanonical() {
        #expect(DriverPolicy.capabilityName("CAP_NET_RAW") == "net_raw")
        #expect(DriverPolicy.capabilityName("Sys_Admin") == "sys_admin")
        #expect(DriverPolicy.capabilityName("ALL") == "all")
        #expect(DriverPolicy.capabilityName("cap_all") == "all")
        #expect(DriverPolicy.capabilityName("net_foo") == nil)
        #expect(DriverPolicy.defaultAllowedCapabilities.count == 14)
    }
}
