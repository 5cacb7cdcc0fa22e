import CorralCgroups
import CorralDriver
import CorralIsolation
import CorralResourceTypes

/// The `config` block of an `exec` task, validated and typed.
struct ExecTaskConfig: Equatable, Sendable {
    static let mountSchema = ConfigSchema([
        ConfigAttribute("type", .oneOf(["bind", "tmpfs"])),
        ConfigAttribute("source", .string),
        ConfigAttribute("target", .string, required: true),
        ConfigAttribute("readonly", .bool),
        ConfigAttribute("size", .byteSize),
    ])
    static let deviceSchema = ConfigSchema([
        ConfigAttribute("host_path", .string, required: true),
        ConfigAttribute("container_path", .string),
        ConfigAttribute("cgroup_permissions", .string),
    ])
    static let schema = ConfigSchema([
        ConfigAttribute("command", .string, required: true),
        ConfigAttribute("args", .list(.string)),
        ConfigAttribute("pid_mode", .oneOf(["private", "host"])),
        ConfigAttribute("ipc_mode", .oneOf(["private", "host"])),
        ConfigAttribute("network_mode", .oneOf(["none", "host"])),
        ConfigAttribute("hostname", .string),
        ConfigAttribute("cap_add", .list(.string)),
        ConfigAttribute("cap_drop", .list(.string)),
        ConfigAttribute("seccomp_profile", .string),
        ConfigAttribute("cpu_hard_limit", .bool),
        ConfigAttribute("pids_limit", .integer),
        ConfigAttribute("image", .string),
        ConfigAttribute("devices", .list(.object(deviceSchema))),
        ConfigAttribute("mounts", .list(.object(mountSchema))),
        ConfigAttribute("work_dir", .string),
        ConfigAttribute("init", .bool),
    ])

    /// The kernel's PID_MAX_LIMIT: no task can have more.
    static let maximumPids: Int64 = 4_194_304
    /// The largest tmpfs size (as `corral isolate --tmpfs`).
    static let maximumTmpfsBytes: UInt64 = 1 << 50

    var command: [String]
    var namespaces: NamespaceSet
    var hostname: String?
    var capabilities: CapabilityRequest
    /// `default`, `unconfined`, or a profile file.
    var seccompProfile: String
    var cpuHardLimit: Bool
    var pidsLimit: Int?
    var image: String?
    var devices: [DeviceMapping]
    var binds: [BindMount]
    var tmpfs: [TmpfsMount]
    var workDir: String
    var useInit: Bool

    /// Validates `config` (keys, types, capability names, mounts) and reads it.
    static func parse(_ config: DriverConfig) throws(DriverError) -> ExecTaskConfig {
        try schema.validate(config)
        let reader = ConfigReader(config)
        let command = reader.string("command") ?? ""
        guard !command.isEmpty else { throw .invalidConfig(key: "config.command", reason: "must not be empty") }
        for key in ["cap_add", "cap_drop"] {
            for (index, name) in reader.strings(key).enumerated()
            where name.lowercased() != "all" && CapabilityNames.number(name) == nil {
                throw .invalidConfig(key: "config.\(key)[\(index)]", reason: "unknown capability \"\(name)\"")
            }
        }
        if let pids = reader.integer("pids_limit"), pids < 0 || pids > maximumPids {
            throw .invalidConfig(key: "config.pids_limit", reason: "must be 0 (no limit) to \(maximumPids), got \(pids)")
        }
        var devices: [DeviceMapping] = []
        for (index, block) in reader.blocks("devices").enumerated() {
            let host = block.string("host_path") ?? ""
            let permissions = block.string("cgroup_permissions") ?? "rwm"
            guard DeviceRule.isValidAccess(permissions) else {
                throw .invalidConfig(key: "config.devices[\(index)].cgroup_permissions",
                                     reason: "\"\(permissions)\": expected some of r, w and m (like rw or rwm)")
            }
            devices.append(DeviceMapping(hostPath: host, containerPath: block.string("container_path"), permissions: permissions))
        }
        var binds: [BindMount] = [], tmpfs: [TmpfsMount] = []
        for (index, block) in reader.blocks("mounts").enumerated() {
            let target = block.string("target") ?? ""
            switch block.string("type") ?? "bind" {
            case "tmpfs":
                if block.string("source") != nil {
                    throw .invalidConfig(key: "config.mounts[\(index)].source", reason: "a tmpfs mount has no source")
                }
                if block.bool("readonly") == true {
                    throw .invalidConfig(key: "config.mounts[\(index)].readonly", reason: "a tmpfs mount is always writable")
                }
                let size = block.byteSize("size")
                if let size, size > maximumTmpfsBytes {
                    throw .invalidConfig(key: "config.mounts[\(index)].size", reason: "at most 1 PiB, got \(size) bytes")
                }
                tmpfs.append(TmpfsMount(destination: target, sizeBytes: size))
            default:
                guard let source = block.string("source") else {
                    throw .invalidConfig(key: "config.mounts[\(index)].source", reason: "is required for a bind mount")
                }
                if block.values["size"] != nil {
                    throw .invalidConfig(key: "config.mounts[\(index)].size", reason: "only a tmpfs mount has a size")
                }
                binds.append(BindMount(source: source, destination: target, readOnly: block.bool("readonly") ?? false))
            }
        }
        for (index, bind) in binds.enumerated() where !bind.source.hasPrefix("/") {
            throw .invalidConfig(key: "config.mounts[\(index)].source", reason: "\"\(bind.source)\" must be an absolute host path")
        }
        for (index, block) in reader.blocks("mounts").enumerated() {
            try checkInsidePath(block.string("target") ?? "", key: "config.mounts[\(index)].target")
        }
        for (index, device) in devices.enumerated() {
            guard device.hostPath.hasPrefix("/") else {
                throw .invalidConfig(key: "config.devices[\(index)].host_path", reason: "\"\(device.hostPath)\" must be an absolute path")
            }
            try checkInsidePath(device.containerPath, key: "config.devices[\(index)].container_path")
        }
        if let workDir = reader.string("work_dir") { try checkInsidePath(workDir, key: "config.work_dir", allowRoot: true) }
        let pidMode = NamespaceSharing(rawValue: reader.string("pid_mode") ?? "private") ?? .private
        let ipcMode = NamespaceSharing(rawValue: reader.string("ipc_mode") ?? "private") ?? .private
        let network = NetworkMode(rawValue: reader.string("network_mode") ?? "none") ?? .none
        return ExecTaskConfig(
            command: [command] + reader.strings("args"),
            namespaces: NamespaceSet(network: network, pid: pidMode, ipc: ipcMode),
            hostname: reader.string("hostname"),
            capabilities: CapabilityRequest(add: reader.strings("cap_add"), drop: reader.strings("cap_drop")),
            seccompProfile: reader.string("seccomp_profile") ?? "default",
            cpuHardLimit: reader.bool("cpu_hard_limit") ?? false,
            pidsLimit: reader.integer("pids_limit").map { Int($0) },
            image: reader.string("image"),
            devices: devices, binds: binds, tmpfs: tmpfs,
            workDir: reader.string("work_dir") ?? "/",
            useInit: reader.bool("init") ?? false)
    }

    /// A path inside the task: absolute, canonical (no `..`, `.` or empty component: `InsidePath`) and
    /// (unless `allowRoot`) not the root itself.
    static func checkInsidePath(_ path: String, key: String, allowRoot: Bool = false) throws(DriverError) {
        if let reason = InsidePath.problem(path, allowRoot: allowRoot) {
            throw .invalidConfig(key: key, reason: "\"\(path)\": \(reason)")
        }
    }

    /// The driver config key a launch-plan error is about (the plan builder speaks in CLI flags).
    static func key(forOption option: String) -> String {
        switch option {
        case "--hostname": "config.hostname"
        case "--workdir": "config.work_dir"
        case "--bind", "--tmpfs": "config.mounts"
        case "--device": "config.devices"
        case "--seccomp": "config.seccomp_profile"
        case "--rootfs": "config.image"
        case "--cap-add": "config.cap_add"
        case "--cap-drop": "config.cap_drop"
        case "command": "config.command"
        case "--user": "user"
        case "--env": "env"
        case "chroot_env": "chroot_env"
        default: option
        }
    }
}
