import CorralDriver
import CorralIsolation
import CorralResourceTypes

/// What a task may ask of the `exec` and `raw_exec` drivers on this host. Whoever submits jobs to
/// an agent is as powerful as root on it unless the agent narrows it here, as Nomad's client and
/// driver plugin options do: `raw_exec` off, `cap_add` within `allow_caps`, host binds and devices
/// within allow-lists, and no root or writable bind over corral's own directories.
///
/// `corral run` (the operator's own foreground run) uses `unrestricted`; the agent builds its policy
/// from its configuration. The same check refuses a job at submission and a task at its start.
package struct DriverPolicy: Sendable, Equatable {
    /// `plugin "raw_exec" { config { enabled = true } }`.
    package var rawExecEnabled: Bool
    /// `plugin "exec" { config { allow_caps = [...] } }`: lower-case names without `cap_`; `all`
    /// allows every one. nil: no limit.
    package var allowedCapabilities: [String]?
    /// `client { bind_allowlist = [...] }`: host paths (each with what lies beneath it) a task may
    /// bind from. nil: any; empty: none.
    package var bindAllowlist: [String]?
    /// `client { device_allowlist = [...] }`: host device paths (or directories of them) a task may
    /// be given. nil: any; empty: none.
    package var deviceAllowlist: [String]?
    /// corral's own directories (data with the allocation directories, task state, API socket): no
    /// task root and no bind, read-only included, may be one, lie inside one or contain one (they
    /// hold the agent's state, other tasks' roots and files, and the socket that grants root).
    package var protectedPaths: [String]
    /// `client { image_allowlist = [...] }`: host directories (with what lies beneath) an exec
    /// task's `image` may be. An image is the task's root and is writable, so a task running as
    /// root could change any file in it: deny by default, as bind sources. nil: any; empty: none.
    package var imageAllowlist: [String]?
    /// `client { allow_suid_writable_sources = true }` unset: an image, or the source of a writable
    /// bind, must lie on a host mount with `nosuid` and `nodev`. Otherwise a root task (which holds
    /// CAP_CHOWN, CAP_FOWNER and CAP_MKNOD) could leave a set-uid-root binary or a device node
    /// there that a local user then runs or opens on the host.
    package var allowSuidWritableSources: Bool
    /// `plugin "exec" { config { allow_host_pid, allow_host_ipc, allow_host_network } }`: whether a
    /// task may share the host's pid namespace (and open other processes' `/proc/<pid>/root`),
    /// its IPC namespace, or its network (and reach the agent's loopback listener and abstract
    /// unix sockets).
    package var hostNamespaces: HostNamespaces
    /// `seccomp_profile` other than `default` (`unconfined`, a host file): off unless the operator allows it.
    package var allowSeccompProfiles = true
    /// `client { user_allowlist, user_denylist }`: who an exec task may run as, judged by number.
    package var users: UserPolicy

    package init(rawExecEnabled: Bool, allowedCapabilities: [String]?, bindAllowlist: [String]?, deviceAllowlist: [String]?,
                protectedPaths: [String], imageAllowlist: [String]? = nil, allowSuidWritableSources: Bool = true,
                hostNamespaces: HostNamespaces = .allowed, users: UserPolicy = .anyone) {
        self.rawExecEnabled = rawExecEnabled
        self.allowedCapabilities = allowedCapabilities
        self.bindAllowlist = bindAllowlist
        self.deviceAllowlist = deviceAllowlist
        self.protectedPaths = protectedPaths
        self.imageAllowlist = imageAllowlist
        self.allowSuidWritableSources = allowSuidWritableSources
        self.hostNamespaces = hostNamespaces
        self.users = users
    }

    /// This policy with `allowSeccompProfiles` set.
    package func allowingSeccompProfiles(_ allowed: Bool) -> DriverPolicy {
        var policy = self
        policy.allowSeccompProfiles = allowed
        return policy
    }

    /// The operator's own run: everything the drivers can do.
    package static let unrestricted = DriverPolicy(rawExecEnabled: true, allowedCapabilities: nil, bindAllowlist: nil,
                                                  deviceAllowlist: nil, protectedPaths: [])

    /// Which of the host's namespaces an exec task may share.
    package struct HostNamespaces: Sendable, Equatable {
        package var pid: Bool
        package var ipc: Bool
        package var network: Bool

        package init(pid: Bool, ipc: Bool, network: Bool) {
            self.pid = pid
            self.ipc = ipc
            self.network = network
        }

        package static let allowed = HostNamespaces(pid: true, ipc: true, network: true)
        package static let denied = HostNamespaces(pid: false, ipc: false, network: false)
    }

    /// A task that passed the policy: the host paths it names, each resolved once (symlinks
    /// followed) into the path the policy judged. The driver mounts these, never the paths as
    /// written, so a symlink swapped in after the check cannot redirect the mount.
    package struct Approval: Sendable, Equatable {
        /// The path as written to the path as judged (the image and every bind source).
        package var canonical: [String: String] = [:]

        package func path(_ written: String) -> String { canonical[written] ?? written }
    }

    /// Where `corral isolate` and the drivers' defaults keep task state and the filter cache.
    package static let isolateStateDirectory = LaunchPlanBuilder.corralStateDirectory

    /// `allow_caps` unless configured: Docker's default set, which `exec` tasks hold anyway.
    package static let defaultAllowedCapabilities = CapabilitySet.dockerDefaultNames

    /// `chown` for `CAP_CHOWN`, `Chown` or `chown`; `all` for `all` or `cap_all`; nil for a name
    /// libcap does not know.
    package static func capabilityName(_ name: String) -> String? {
        let lowered = name.lowercased()
        if lowered == "all" || lowered == "cap_all" { return "all" }
        return CapabilityNames.number(name).map(CapabilityNames.name)
    }

    /// Why the task may not run here (naming the task, the setting asked for and the agent's knob),
    /// or nil. `resolve` turns a host path into the one the kernel would reach (symlinks followed).
    /// `mountFlags` tells whether a (resolved) host path lies on a `nosuid`, `nodev` mount.
    package func problem(task: String, driver: String, config: DriverConfig, mounts: [MountRequest] = [],
                        devices: [DeviceRequest] = [], resolve: (String) -> String = HostPaths.resolve,
                        mountFlags: (String) -> HostPaths.MountFlags? = HostPaths.mountFlags) -> String? {
        switch approve(task: task, driver: driver, config: config, mounts: mounts, devices: devices, resolve: resolve,
                       mountFlags: mountFlags) {
        case .success: nil
        case .failure(let refusal): refusal.message
        }
    }

    /// Why a task is refused (`message` names the task, the setting and the agent's knob).
    package struct Refusal: Error, Sendable, Equatable {
        package var message: String
    }

    /// The task's host paths as judged, or why it may not run here.
    package func approve(task: String, driver: String, config: DriverConfig, mounts: [MountRequest] = [],
                        devices: [DeviceRequest] = [], resolve: (String) -> String = HostPaths.resolve,
                        mountFlags: (String) -> HostPaths.MountFlags? = HostPaths.mountFlags) -> Result<Approval, Refusal> {
        var approval = Approval()
        let problem: String?
        switch driver {
        case "raw_exec":
            problem = rawExecEnabled ? nil
                : "task \"\(task)\": the raw_exec driver is disabled on this agent (it runs commands on the host, unisolated, as root); "
                    + "an operator enables it with plugin \"raw_exec\" { config { enabled = true } } in the agent configuration"
        case "exec":
            problem = execProblem(task: task, config: ConfigReader(config), mounts: mounts, devices: devices, resolve: resolve,
                                  mountFlags: mountFlags, approval: &approval)
        default:
            problem = nil
        }
        return problem.map { .failure(Refusal(message: $0)) } ?? .success(approval)
    }

    private func execProblem(task: String, config: ConfigReader, mounts: [MountRequest], devices: [DeviceRequest],
                             resolve: (String) -> String, mountFlags: (String) -> HostPaths.MountFlags?,
                             approval: inout Approval) -> String? {
        for (key, knob, allowed) in [("pid_mode", "allow_host_pid", hostNamespaces.pid), ("ipc_mode", "allow_host_ipc", hostNamespaces.ipc),
                                     ("network_mode", "allow_host_network", hostNamespaces.network)]
        where !allowed && config.string(key) == "host" {
            return "task \"\(task)\": config.\(key) \"host\" is not allowed on this agent (the task would share the host's "
                + Self.namespaceRisk[key, default: ""] + "); an operator allows it with plugin \"exec\" { config { \(knob) = true } } "
                + "in the agent configuration"
        }
        if let allowed = allowedCapabilities, !allowed.contains("all") {
            for (index, name) in config.strings("cap_add").enumerated() {
                let canonical = Self.capabilityName(name) ?? name.lowercased()
                guard !allowed.contains(canonical) else { continue }
                return "task \"\(task)\": config.cap_add[\(index)] \"\(name)\" is not allowed on this agent (allow_caps = "
                    + "[\(allowed.map { "\"\($0)\"" }.joined(separator: ", "))]); an operator allows it with "
                    + "plugin \"exec\" { config { allow_caps = [...] } } in the agent configuration"
            }
        }
        if users.deniesRoot {
            // A user that holds setuid or setgid (ambient, for a non-root user) becomes root with one call.
            for (index, name) in config.strings("cap_add").enumerated() {
                let canonical = Self.capabilityName(name) ?? name.lowercased()
                guard ["all", "setuid", "setgid"].contains(canonical) else { continue }
                return "task \"\(task)\": config.cap_add[\(index)] \"\(name)\" would let the task make itself root, which this "
                    + "agent's user_denylist (or user_allowlist) keeps out; an operator allows root with client { user_denylist = [] }"
            }
        }
        if let profile = config.string("seccomp_profile"), profile != "default", !allowSeccompProfiles {
            return "task \"\(task)\": config.seccomp_profile \"\(profile)\" is not allowed on this agent (only \"default\"): another "
                + "profile, or none, widens what the task may ask of the kernel; an operator allows it with "
                + "plugin \"exec\" { config { allow_seccomp_profiles = true } } in the agent configuration"
        }
        if let image = config.string("image"), image.hasPrefix("/") {
            let resolved = resolve(image)
            approval.canonical[image] = resolved
            if resolved == "/" {
                return "task \"\(task)\": config.image \"\(image)\" is the host's root directory: the task would get the whole host, writable"
            }
            if let found = protectedOverlap(resolved, resolve: resolve) {
                let (directory, overlap) = found
                return "task \"\(task)\": config.image \"\(image)\" \(overlap.rawValue) corral's own directory \(directory) "
                    + "(the agent's data_dir, state_dir or API socket): the task could change the agent's state"
            }
            if let allowed = imageAllowlist, !allowed.contains(where: { HostPaths.isWithin(resolved, resolve($0)) }) {
                return "task \"\(task)\": config.image \"\(image)\" is not in the agent's image_allowlist (" + Self.list(allowed)
                    + "); an image is the task's root, writable by a root task, so an operator allows directories of images "
                    + "with client { image_allowlist = [...] } in the agent configuration"
            }
            if let problem = suidProblem(task: task, key: "config.image", written: image, resolved: resolved, mountFlags: mountFlags) {
                return problem
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
            approval.canonical[bind.source] = resolved
            if let allowed = bindAllowlist, !allowed.contains(where: { HostPaths.isWithin(resolved, resolve($0)) }) {
                return "task \"\(task)\": \(bind.key) \"\(bind.source)\" is not in the agent's bind_allowlist ("
                    + Self.list(allowed) + "); an operator allows host paths with client { bind_allowlist = [...] } in the agent configuration"
            }
            // Read-only too: they hold the agent's state, other tasks' files and the socket that grants root.
            if let found = protectedOverlap(resolved, resolve: resolve) {
                let (directory, overlap) = found
                return "task \"\(task)\": \(bind.key) \"\(bind.source)\" \(overlap.rawValue) corral's own directory \(directory) "
                    + "(the agent's data_dir with the allocation directories, state_dir or API socket): no task may see it, "
                    + "not even read-only; bind something narrower"
            }
            if !bind.readOnly,
               let problem = suidProblem(task: task, key: bind.key, written: bind.source, resolved: resolved, mountFlags: mountFlags) {
                return problem
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

    /// Why a writable source (`resolved`) may not be given to a task: it lies on a host mount
    /// without `nosuid` or `nodev`, and the operator has not allowed that.
    private func suidProblem(task: String, key: String, written: String, resolved: String,
                             mountFlags: (String) -> HostPaths.MountFlags?) -> String? {
        guard !allowSuidWritableSources else { return nil }
        let flags = mountFlags(resolved)
        guard let flags else {
            return "task \"\(task)\": \(key) \"\(written)\" (\(resolved)): cannot read its host mount's flags "
                + "(it must exist, and lie on a nosuid,nodev mount)"
        }
        let missing = (flags.nosuid ? [] : ["nosuid"]) + (flags.nodev ? [] : ["nodev"])
        guard !missing.isEmpty else { return nil }
        return "task \"\(task)\": \(key) \"\(written)\" is writable by the task but lies on a host mount without "
            + missing.joined(separator: " and ") + ": a root task could leave set-uid binaries or device nodes there for "
            + "local users; mount it nosuid,nodev, bind it read-only, or allow it with "
            + "client { allow_suid_writable_sources = true } in the agent configuration"
    }

    /// What sharing each host namespace exposes, for messages.
    private static let namespaceRisk = [
        "pid_mode": "processes: it could read other tasks' and the host's /proc/<pid>/root and environ",
        "ipc_mode": "IPC objects: shared memory and semaphores of host processes",
        "network_mode": "network: it could reach the agent's loopback listener and abstract unix sockets",
    ]

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
