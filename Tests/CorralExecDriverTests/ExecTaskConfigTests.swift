import CorralCgroups
import CorralDriver
@testable import CorralExecDriver
import CorralIsolation
import Testing
import CorralResourceTypes

/// The `exec` driver's `config` block: parsed into typed fields, or refused with the key at fault.
/// Pure parsing: no root needed.
@Suite struct ExecTaskConfigTests {
    /// `command = "/bin/true"` plus `extra`.
    func config(_ extra: DriverConfig) -> DriverConfig {
        var config: DriverConfig = ["command": .string("/bin/true")]
        config.merge(extra) { $1 }
        return config
    }

    /// The error parsing `config` throws, or nil when it parses.
    func error(_ config: DriverConfig) -> DriverError? {
        do {
            _ = try ExecTaskConfig.parse(config)
            return nil
        } catch {
            return error
        }
    }

    @Test func aFullConfigParsesIntoItsFields() throws {
        let parsed = try ExecTaskConfig.parse([
            "command": .string("/bin/server"),
            "args": .list([.string("--port"), .string("8080")]),
            "pid_mode": .string("host"),
            "ipc_mode": .string("host"),
            "network_mode": .string("host"),
            "hostname": .string("web-1"),
            "cap_add": .list([.string("CAP_NET_ADMIN"), .string("sys_time")]),
            "cap_drop": .list([.string("all")]),
            "seccomp_profile": .string("unconfined"),
            "cpu_hard_limit": .bool(true),
            "pids_limit": .integer(64),
            "image": .string("/srv/images/alpine"),
            "devices": .list([
                .object(["host_path": .string("/dev/fuse")]),
                .object(["host_path": .string("/dev/net/tun"), "container_path": .string("/dev/tun"),
                         "cgroup_permissions": .string("rw")]),
            ]),
            "mounts": .list([
                .object(["type": .string("bind"), "source": .string("/srv/data"), "target": .string("/data"),
                         "readonly": .bool(true)]),
                .object(["source": .string("/srv/cache"), "target": .string("/cache")]),
                .object(["type": .string("tmpfs"), "target": .string("/scratch"), "size": .string("64m")]),
            ]),
            "work_dir": .string("/app"),
            "init": .bool(true),
        ])
        #expect(parsed == ExecTaskConfig(
            command: ["/bin/server", "--port", "8080"],
            namespaces: NamespaceSet(network: .host, pid: .host, ipc: .host),
            hostname: "web-1",
            capabilities: CapabilityRequest(add: ["CAP_NET_ADMIN", "sys_time"], drop: ["all"]),
            seccompProfile: "unconfined",
            cpuHardLimit: true,
            pidsLimit: 64,
            image: "/srv/images/alpine",
            devices: [DeviceMapping(hostPath: "/dev/fuse", containerPath: "/dev/fuse", permissions: "rwm"),
                      DeviceMapping(hostPath: "/dev/net/tun", containerPath: "/dev/tun", permissions: "rw")],
            binds: [BindMount(source: "/srv/data", destination: "/data", readOnly: true),
                    BindMount(source: "/srv/cache", destination: "/cache", readOnly: false)],
            tmpfs: [TmpfsMount(destination: "/scratch", sizeBytes: 64 << 20)],
            workDir: "/app",
            useInit: true))
    }

    @Test func aBareCommandGetsTheDefaults() throws {
        let parsed = try ExecTaskConfig.parse(["command": .string("/bin/true")])
        #expect(parsed == ExecTaskConfig(
            command: ["/bin/true"], namespaces: NamespaceSet(network: .none, pid: .private, ipc: .private),
            hostname: nil, capabilities: CapabilityRequest(), seccompProfile: "default", cpuHardLimit: false,
            pidsLimit: nil, image: nil, devices: [], binds: [], tmpfs: [], workDir: "/", useInit: false))
    }

    @Test func aSingleDeviceBlockIsAListOfOne() throws {
        let parsed = try ExecTaskConfig.parse(config(["devices": .object(["host_path": .string("/dev/kvm")])]))
        #expect(parsed.devices == [DeviceMapping(hostPath: "/dev/kvm")])
    }

    @Test func aTmpfsWithoutASizeHasNone() throws {
        let parsed = try ExecTaskConfig.parse(config(["mounts": .list([.object(["type": .string("tmpfs"), "target": .string("/t")])])]))
        #expect(parsed.tmpfs == [TmpfsMount(destination: "/t", sizeBytes: nil)])
        #expect(parsed.binds == [])
    }

    @Test func aPidsLimitMayBeAnIntegralJSONNumber() throws {
        #expect(try ExecTaskConfig.parse(config(["pids_limit": .number(32)])).pidsLimit == 32)
    }

    // MARK: errors

    @Test func aMissingCommandIsRequired() {
        #expect(error(["args": .list([.string("x")])]) == .invalidConfig(key: "config.command", reason: "is required"))
    }

    @Test func anEmptyCommandIsRefused() {
        #expect(error(["command": .string("")]) == .invalidConfig(key: "config.command", reason: "must not be empty"))
    }

    @Test func aMisspeltKeyIsNamedWithTheKnownKeys() {
        #expect(error(["comand": .string("/bin/true")]) == .invalidConfig(
            key: "config.comand",
            reason: "unknown key (this driver takes: args, cap_add, cap_drop, command, cpu_hard_limit, devices, hostname, "
                + "image, init, ipc_mode, mounts, network_mode, pid_mode, pids_limit, seccomp_profile, work_dir)"))
    }

    @Test func anUnknownCapabilityIsNamedByIndex() {
        #expect(error(config(["cap_add": .list([.string("CAP_NET_ADMIN"), .string("NET_FOO")])])) == .invalidConfig(
            key: "config.cap_add[1]", reason: "unknown capability \"NET_FOO\""))
    }

    @Test func anUnknownDroppedCapabilityIsNamedByIndex() {
        #expect(error(config(["cap_drop": .list([.string("CAP_SYS_ADMINN")])])) == .invalidConfig(
            key: "config.cap_drop[0]", reason: "unknown capability \"CAP_SYS_ADMINN\""))
    }

    @Test func anUnknownPidModeIsRefused() {
        #expect(error(config(["pid_mode": .string("shared")])) == .invalidConfig(
            key: "config.pid_mode", reason: "expected one of \"private\", \"host\", got a string \"shared\""))
    }

    @Test func anUnknownNetworkModeIsRefused() {
        #expect(error(config(["network_mode": .string("bridge")])) == .invalidConfig(
            key: "config.network_mode", reason: "expected one of \"none\", \"host\", got a string \"bridge\""))
    }

    @Test func aTmpfsMountWithASourceIsRefused() {
        let mounts = ConfigValue.list([.object(["type": .string("tmpfs"), "source": .string("/x"), "target": .string("/t")])])
        #expect(error(config(["mounts": mounts])) == .invalidConfig(
            key: "config.mounts[0].source", reason: "a tmpfs mount has no source"))
    }

    @Test func aBindMountWithoutASourceIsRefused() {
        let mounts = ConfigValue.list([.object(["type": .string("bind"), "target": .string("/t")])])
        #expect(error(config(["mounts": mounts])) == .invalidConfig(
            key: "config.mounts[0].source", reason: "is required for a bind mount"))
    }

    @Test func aMountWithoutATypeIsABind() {
        let mounts = ConfigValue.list([.object(["source": .string("/a"), "target": .string("/a")]),
                                       .object(["target": .string("/b")])])
        #expect(error(config(["mounts": mounts])) == .invalidConfig(
            key: "config.mounts[1].source", reason: "is required for a bind mount"))
    }

    @Test func aBindMountWithASizeIsRefused() {
        let mounts = ConfigValue.list([.object(["source": .string("/a"), "target": .string("/a"), "size": .string("1m")])])
        #expect(error(config(["mounts": mounts])) == .invalidConfig(
            key: "config.mounts[0].size", reason: "only a tmpfs mount has a size"))
    }

    @Test func aMountWithoutATargetIsRefused() {
        #expect(error(config(["mounts": .list([.object(["source": .string("/a")])])])) == .invalidConfig(
            key: "config.mounts[0].target", reason: "is required"))
    }

    @Test func anUnknownMountTypeIsRefused() {
        let mounts = ConfigValue.list([.object(["type": .string("overlay"), "target": .string("/t")])])
        #expect(error(config(["mounts": mounts])) == .invalidConfig(
            key: "config.mounts[0].type", reason: "expected one of \"bind\", \"tmpfs\", got a string \"overlay\""))
    }

    @Test func aTmpfsSizeThatIsNotASizeIsRefused() {
        let mounts = ConfigValue.list([.object(["type": .string("tmpfs"), "target": .string("/t"), "size": .string("big")])])
        #expect(error(config(["mounts": mounts])) == .invalidConfig(
            key: "config.mounts[0].size", reason: "\"big\" is not a size (like 512k, 64m, 1g)"))
    }

    @Test func badDevicePermissionsAreRefused() {
        let devices = ConfigValue.list([.object(["host_path": .string("/dev/fuse"), "cgroup_permissions": .string("rx")])])
        #expect(error(config(["devices": devices])) == .invalidConfig(
            key: "config.devices[0].cgroup_permissions", reason: "\"rx\": expected some of r, w and m (like rw or rwm)"))
    }

    @Test func aDeviceWithoutAHostPathIsRefused() {
        let devices = ConfigValue.list([.object(["container_path": .string("/dev/x")])])
        #expect(error(config(["devices": devices])) == .invalidConfig(key: "config.devices[0].host_path", reason: "is required"))
    }

    @Test func aNegativePidsLimitIsRefusedAndZeroMeansNone() throws {
        #expect(error(config(["pids_limit": .integer(-1)])) == .invalidConfig(
            key: "config.pids_limit", reason: "must be 0 (no limit) to 4194304, got -1"))
        #expect(try ExecTaskConfig.parse(config(["pids_limit": .integer(0)])).pidsLimit == 0)
        #expect(PidsLimit.resolve(configured: 0, resources: 100) == nil)
        #expect(PidsLimit.resolve(configured: 64, resources: 100) == 64)
        #expect(PidsLimit.resolve(configured: nil, resources: 100) == 100)
        #expect(PidsLimit.resolve(configured: nil, resources: nil) == 2048)
        #expect(error(config(["pids_limit": .integer(4_194_305)])) == .invalidConfig(
            key: "config.pids_limit", reason: "must be 0 (no limit) to 4194304, got 4194305"))
    }

    @Test func anArgumentThatIsNotAStringIsNamedByIndex() {
        #expect(error(config(["args": .list([.string("a"), .integer(3)])])) == .invalidConfig(
            key: "config.args[1]", reason: "expected a string, got an integer 3"))
    }

    @Test func aBoolGivenAsAStringIsRefused() {
        #expect(error(config(["init": .string("true")])) == .invalidConfig(
            key: "config.init", reason: "expected a bool, got a string \"true\""))
    }
}

extension ExecTaskConfigTests {
    /// `raw_exec`'s config checks (no task is started: no root needed).
    @Suite struct RawExecValidate {
        let driver = RawExecDriver()

        @Test func aCommandWithArgumentsIsValid() throws {
            try driver.validate(["command": .string("/bin/echo"), "args": .list([.string("hi")]), "work_dir": .string("/tmp"),
                                 "cpu_hard_limit": .bool(false), "pids_limit": .integer(10)])
        }

        @Test func anUnknownKeyIsRefused() {
            #expect(throws: DriverError.invalidConfig(
                key: "config.image", reason: "unknown key (this driver takes: args, command, cpu_hard_limit, pids_limit, work_dir)")) {
                try driver.validate(["command": .string("/bin/true"), "image": .string("/srv/alpine")])
            }
        }

        @Test func aMissingCommandIsRequired() {
            #expect(throws: DriverError.invalidConfig(key: "config.command", reason: "is required")) {
                try driver.validate(["args": .list([.string("x")])])
            }
        }

        @Test func anEmptyCommandIsRefused() {
            #expect(throws: DriverError.invalidConfig(key: "config.command", reason: "must not be empty")) {
                try driver.validate(["command": .string("")])
            }
        }

        @Test func aNegativePidsLimitIsRefused() {
            #expect(throws: DriverError.invalidConfig(key: "config.pids_limit", reason: "must be at least 0 (0: no limit), got -2")) {
                try driver.validate(["command": .string("/bin/true"), "pids_limit": .integer(-2)])
            }
        }
    }
}
