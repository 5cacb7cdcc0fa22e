import CorralCgroups
import CorralDriver
import CorralIsolation
import Foundation

/// The `exec` driver: each task in new mount, pid, uts, ipc, net and cgroup namespaces, in a root
/// built from host directories (`chroot_env`) or an image, held to its cgroup limits, with Docker's
/// default capabilities and a seccomp profile, under a supervisor that outlives the runner.
package final class ExecDriver: SupervisedTaskDriver {
    package let name = "exec"
    package let configSchema = ExecTaskConfig.schema
    package let capabilities = DriverCapabilities(sendSignals: true, exec: true, fsIsolation: .chroot)
    let core: SupervisedDriverCore

    package init(options: DriverOptions = DriverOptions()) {
        core = SupervisedDriverCore(driverName: "exec", options: options)
    }

    package func validate(_ config: DriverConfig) throws(DriverError) {
        _ = try ExecTaskConfig.parse(config)
    }

    package func fingerprint() async -> Fingerprint {
        let attributes = NodeFingerprint.attributes()
        if geteuid() != 0 {
            return Fingerprint(health: .undetected, healthDescription: "the exec driver needs root", attributes: attributes)
        }
        if attributes["os.cgroups.version"] == "none" {
            return Fingerprint(health: .unhealthy, healthDescription: "no cgroup hierarchy is mounted", attributes: attributes)
        }
        return Fingerprint(health: .healthy, attributes: attributes)
    }

    package func start(_ config: TaskConfig) async throws(DriverError) -> TaskHandle {
        let exec = try ExecTaskConfig.parse(config.driverConfig)
        // The agent refuses such a job at submission; this holds for whatever reaches a start anyway.
        // The paths judged (resolved once) are the ones mounted.
        let approval: DriverPolicy.Approval
        switch core.options.policy.approve(task: config.name, driver: name, config: config.driverConfig,
                                           mounts: config.mounts, devices: config.devices) {
        case .success(let approved): approval = approved
        case .failure(let refusal): throw .startFailed(reason: refusal.message, recoverable: false)
        }
        let id = try TaskConfig.parseID(config.id)
        let rootMountpoint = "\(core.options.stateRoot)/\(id.allocID)/\(id.task)/\(id.restart)"
        let plan = try buildPlan(config, exec: exec, command: nil, rootMountpoint: rootMountpoint, approval: approval)
        // Judged on the identity the task really gets, as its /etc resolved it.
        if let problem = core.options.policy.users.problem(task: config.name, user: config.user, identity: plan.identity) {
            throw .startFailed(reason: problem, recoverable: false)
        }
        let limits = try cgroupLimits(config.resources, exec: exec, plan: plan)
        Self.handTaskDirectories(config, to: plan.identity)
        return try await core.startOffPool(config, plan: plan, limits: limits, namespaces: Self.joinFlags(exec.namespaces))
    }

    package func execStreaming(_ id: String, command: [String], options: ExecOptions) async throws(DriverError) -> ExecSession {
        let task = try core.task(id)
        guard task.exit == nil, task.taskPidfd >= 0 else { throw .taskNotRunning(id: id) }
        guard !command.isEmpty, !command[0].isEmpty else { throw .invalidConfig(key: "command", reason: "no command given") }
        let exec = try ExecTaskConfig.parse(task.config.driverConfig)
        var plan = try buildPlan(task.config, exec: exec, command: command, rootMountpoint: task.state.stateDirectory,
                                 terminal: options.tty)
        if let problem = core.options.policy.users.problem(task: task.config.name, user: task.config.user, identity: plan.identity) {
            throw .startFailed(reason: problem, recoverable: false)
        }
        plan.mode = .join(pidfd: task.taskPidfd, namespaces: task.state.namespaces)
        // The task (and with it the pidfd the plan names) stays alive until the command has started.
        return try withExtendedLifetime(task) { () throws(DriverError) -> ExecSession in
            try ExecSessionRunner.start(plan, supervisor: try core.supervisorPath(), cgroup: task.cgroup, taskID: id,
                                        options: options)
        }
    }

    // MARK: plan

    /// The namespaces an exec into a task with `namespaces` enters.
    static func joinFlags(_ namespaces: NamespaceSet) -> UInt64 {
        namespaces.cloneFlags
    }

    /// The task's launch plan (or, with `command`, the plan of a command run inside it).
    func buildPlan(_ config: TaskConfig, exec: ExecTaskConfig, command: [String]?, rootMountpoint: String,
                   terminal: Bool = false, approval: DriverPolicy.Approval = .init()) throws(DriverError) -> LaunchPlan {
        var spec = IsolationSpec(command: command ?? exec.command, hostname: exec.hostname ?? Self.hostname(for: config))
        spec.rootfs = exec.image.map(approval.path)
        spec.approvedSources = Set(approval.canonical.values)
        spec.chrootEnv = core.options.chrootEnv
        spec.namespaces = exec.namespaces
        spec.environment = config.env.keys.sorted().map { "\($0)=\(config.env[$0]!)" }
        spec.workdir = exec.workDir
        spec.user = config.user.isEmpty ? nil : config.user
        spec.defaultUser = Self.defaultUser
        spec.binds = Self.allocBinds(config) + (config.mounts.map {
            BindMount(source: $0.source, destination: $0.target, readOnly: $0.readOnly)
        } + exec.binds).map { BindMount(source: approval.path($0.source), destination: $0.destination, readOnly: $0.readOnly) }
        spec.tmpfs = exec.tmpfs
        spec.capabilities = exec.capabilities
        spec.devices = config.devices + exec.devices
        spec.terminal = terminal
        do {
            spec.seccompProfile = try ProfileLocator.seccomp(exec.seccompProfile, option: "config.seccomp_profile")
            var plan = try LaunchPlanBuilder().build(spec, rootMountpoint: rootMountpoint)
            // corral-init runs from a sealed copy (as every task's last step does), never bound in from
            // the host: no host executable is reachable from the task.
            plan.runUnderInit = exec.useInit && command == nil
            plan.helperPath = core.options.initPath
            plan.execHelperPath = core.options.execPath
            return plan
        } catch {
            throw Self.driverError(error)
        }
    }

    /// Who a task that names no `user` runs as, as Nomad's exec driver does: an unprivileged user,
    /// never root unless the job asks for it.
    package static let defaultUser = "nobody"

    /// The user a task of this driver runs as (`USER[:GROUP]`): its `user`, or `defaultUser`.
    /// What an agent's allow/deny list of users checks.
    package static func taskUser(_ config: TaskConfig) -> String {
        config.user.isEmpty ? defaultUser : config.user
    }

    /// `/alloc`, `/local` and `/secrets`, as Nomad gives them to a task, for those that exist.
    static func allocBinds(_ config: TaskConfig) -> [BindMount] {
        let candidates = [(config.allocDir + "/alloc", "/alloc"), (config.taskDir + "/local", "/local"),
                          (config.taskDir + "/secrets", "/secrets")]
        return candidates.filter { FileManager.default.fileExists(atPath: $0.0) }
            .map { BindMount(source: $0.0, destination: $0.1) }
    }

    /// Gives the task's own `local` and `secrets` directories to the user it runs as (nobody by
    /// default), as Nomad does: `secrets` is 0700 and would otherwise be closed to the task. Only
    /// a root-owned directory is changed, never through a symlink; a failure leaves it as it was
    /// (the task then finds it unreadable, which is safe).
    static func handTaskDirectories(_ config: TaskConfig, to identity: UserIdentity) {
        guard identity.uid != 0 else { return }
        for path in [config.taskDir + "/local", config.taskDir + "/secrets"] {
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == 0 else { continue }
            _ = fchownat(AT_FDCWD, path, identity.uid, identity.gid, AT_SYMLINK_NOFOLLOW)
        }
    }

    /// The task's name when it is a valid hostname, else `task`.
    static func hostname(for config: TaskConfig) -> String {
        let name = String(config.name.prefix(63))
        let valid = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        return valid ? name : "task"
    }

    /// The task's resources as cgroup limits, with its device rules.
    func cgroupLimits(_ resources: TaskResources, exec: ExecTaskConfig, plan: LaunchPlan) throws(DriverError) -> CgroupLimits {
        var limits = try TaskCgroupLimits.make(resources, cpuHardLimit: exec.cpuHardLimit, pidsLimit: exec.pidsLimit)
        limits.devices = DeviceRule.standard + plan.deviceRules
        try TaskCgroupLimits.validate(limits)
        return limits
    }

    /// A plan-builder error in the driver's words: the config key instead of the CLI flag.
    static func driverError(_ error: LaunchError) -> DriverError {
        switch error {
        case .usage(let option, let value, let reason), .invalid(let option, let value, let reason):
            return .invalidConfig(key: ExecTaskConfig.key(forOption: option), reason: "\"\(value)\": \(reason)")
        default:
            return .startFailed(reason: error.description, recoverable: SupervisedDriverCore.isRecoverable(error))
        }
    }
}
