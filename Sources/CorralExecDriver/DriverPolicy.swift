import CorralDriver
import CorralIsolation

/// What a task may ask of the `exec` and `raw_exec` drivers on this host. Whoever submits jobs to
/// an agent is as powerful as root on it unless the agent narrows it here, as Nomad's client and
/// driver plugin options do: `raw_exec` off, `cap_add` within `allow_caps`, host binds and devices
/// within allow-lists, and no root or writable bind over corral's own directories.
///
/// `corral run` (the operator's own foreground run) uses `unrestricted`; the agent builds its policy
/// from its configuration. The same check refuses a job at submission and a task at its start.
public struct DriverPolicy: Sendable, Equatable {
    /// `plugin "raw_exec" { config { enabled = true } }`.
    public var rawExecEnabled: Bool
    /// `plugin "exec" { config { allow_caps = [...] } }`: lower-case names without `cap_`; `all`
    /// allows every one. nil: no limit.
    public var allowedCapabilities: [String]?
    /// `client { bind_allowlist = [...] }`: host paths (each with what lies beneath it) a task may
    /// bind from. nil: any; empty: none.
    public var bindAllowlist: [String]?
    /// `client { device_allowlist = [...] }`: host device paths (or directories of them) a task may
    /// be given. nil: any; empty: none.
    public var deviceAllowlist: [String]?
    /// corral's own directories (data, task state, API socket): no task root may overlap one, and no
    /// writable bind may be one, lie inside one or contain one.
    public var protectedPaths: [String]

    public init(rawExecEnabled: Bool, allowedCapabilities: [String]?, bindAllowlist: [String]?, deviceAllowlist: [String]?,
                protectedPaths: [String]) {
        self.rawExecEnabled = rawExecEnabled
        self.allowedCapabilities = allowedCapabilities
        self.bindAllowlist = bindAllowlist
        self.deviceAllowlist = deviceAllowlist
        self.protectedPaths = protectedPaths
    }

    /// The operator's own run: everything the drivers can do.
    public static let unrestricted = DriverPolicy(rawExecEnabled: true, allowedCapabilities: nil, bindAllowlist: nil,
                                                  deviceAllowlist: nil, protectedPaths: [])

    /// Where `corral isolate` and the drivers' defaults keep task state and the filter cache.
    public static let isolateStateDirectory = LaunchPlanBuilder.corralStateDirectory

    /// `allow_caps` unless configured: Docker's default set, which `exec` tasks hold anyway.
    public static let defaultAllowedCapabilities = CapabilitySet.dockerDefaultNames

    /// `chown` for `CAP_CHOWN`, `Chown` or `chown`; `all` for `all` or `cap_all`; nil for a name
    /// libcap does not know.
    public static func capabilityName(_ name: String) -> String? {
        let lowered = name.lowercased()
        if lowered == "all" || lowered == "cap_all" { return "all" }
        return CapabilityNames.number(name).map(CapabilityNames.name)
    }

    /// Why the task may not run here (naming the task, the setting asked for and the agent's knob),
    /// or nil. `resolve` turns a host path into the one the kernel would reach (symlinks followed).
    public func problem(task: String, driver: String, config: DriverConfig, mounts: [MountRequest] = [],
                        devices: [DeviceRequest] = [], resolve: (String) -> String = HostPaths.resolve) -> String? {
        switch driver {
        case "raw_exec":
            guard rawExecEnabled else {
                return "task \"\(task)\": the raw_exec driver is disabled on this agent (it runs commands on the host, unisolated, as root); "
                    + "an operator enables it with plugin \"raw_exec\" { config { enabled = true } } in the agent configuration"
            }
            return nil
        case "exec":
            return execProblem(task: task, config: ConfigReader(config), mounts: mounts, devices: devices, resolve: resolve)
        default:
            return nil
        }
    }

    private func execProblem(task: String, config: ConfigReader, mounts: [MountRequest], devices: [DeviceRequest],
                             resolve: (String) -> String) -> String? {
        if let allowed = allowedCapabilities, !allowed.contains("all") {
            for (index, name) in config.strings("cap_add").enumerated() {
                let canonical = Self.capabilityName(name) ?? name.lowercased()
                guard !allowed.contains(canonical) else { continue }
                return "task \"\(task)\": config.cap_add[\(index)] \"\(name)\" is not allowed on this agent (allow_caps = "
                    + "[\(allowed.map { "\"\($0)\"" }.joined(separator: ", "))]); an operator allows it with "
                    + "plugin \"exec\" { config { allow_caps = [...] } } in the agent configuration"
            }
        }
        if let image = config.string("image"), image.hasPrefix("/") {
            let resolved = resolve(image)
            if resolved == "/" {
                return "task \"\(task)\": config.image \"\(image)\" is the host's root directory: the task would get the whole host, writable"
            }
            if let found = protectedOverlap(resolved, resolve: resolve) {
                let (directory, overlap) = found
                return "task \"\(task)\": config.image \"\(image)\" \(overlap.rawValue) corral's own directory \(directory) "
                    + "(the agent's data_dir, state_dir or API socket): the task could change the agent's state"
            }
        }
        var binds: [(key: String, source: String, readOnly: Bool)] = []
        for (index, block) in config.blocks("mounts").enumerated() where (block.string("type") ?? "bind") == "bind" {
            if let source = block.string("source") {
                binds.append(("config.mounts[\(index)].source", source, block.bool("readonly") ?? false))
            }
        }
        for (index, mount) in mounts.enumerated() { binds.append(("mounts[\(index)].source", mount.source, mount.readOnly)) }
        for bind in binds where bind.source.hasPrefix("/") {
            let resolved = resolve(bind.source)
            if !bind.readOnly, let found = protectedOverlap(resolved, resolve: resolve) {
                let (directory, overlap) = found
                return "task \"\(task)\": \(bind.key) \"\(bind.source)\" \(overlap.rawValue) corral's own directory \(directory) "
                    + "(the agent's data_dir, state_dir or API socket): a writable bind of it could change the agent's state; bind it read-only or bind something narrower"
            }
            if let allowed = bindAllowlist, !allowed.contains(where: { HostPaths.isWithin(resolved, resolve($0)) }) {
                return "task \"\(task)\": \(bind.key) \"\(bind.source)\" is not in the agent's bind_allowlist ("
                    + Self.list(allowed) + "); an operator allows host paths with client { bind_allowlist = [...] } in the agent configuration"
            }
        }
        var hostDevices: [(key: String, path: String)] = []
        for (index, block) in config.blocks("devices").enumerated() {
            if let path = block.string("host_path") { hostDevices.append(("config.devices[\(index)].host_path", path)) }
        }
        for (index, device) in devices.enumerated() { hostDevices.append(("devices[\(index)].host_path", device.hostPath)) }
        if let allowed = deviceAllowlist {
            for device in hostDevices where device.path.hasPrefix("/") {
                let resolved = resolve(device.path)
                guard !allowed.contains(where: { HostPaths.isWithin(resolved, resolve($0)) }) else { continue }
                return "task \"\(task)\": \(device.key) \"\(device.path)\" is not in the agent's device_allowlist ("
                    + Self.list(allowed) + "); an operator allows host devices with client { device_allowlist = [...] } in the agent configuration"
            }
        }
        return nil
    }

    /// The first protected directory `resolved` overlaps, and how.
    private func protectedOverlap(_ resolved: String, resolve: (String) -> String) -> (String, HostPaths.Overlap)? {
        for directory in protectedPaths {
            if let overlap = HostPaths.overlap(resolved, resolve(directory)) { return (directory, overlap) }
        }
        return nil
    }

    private static func list(_ paths: [String]) -> String {
        paths.isEmpty ? "empty: no host path is allowed" : paths.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}
