import CorralCgroups
import CorralDriver
import CorralIsolation
import Foundation

/// The `raw_exec` driver: a trusted command run on the host as it is (no namespaces, no root
/// change, the agent's privileges unless the task names a user), but still in a cgroup of its own
/// with the task's limits, stats and OOM detection, so that killing it kills all of it.
package final class RawExecDriver: SupervisedTaskDriver {
    package let name = "raw_exec"
    package static let schema = ConfigSchema([
        ConfigAttribute("command", .string, required: true),
        ConfigAttribute("args", .list(.string)),
        ConfigAttribute("work_dir", .string),
        ConfigAttribute("cpu_hard_limit", .bool),
        ConfigAttribute("pids_limit", .integer),
    ])
    package let configSchema = RawExecDriver.schema
    package let capabilities = DriverCapabilities(sendSignals: true, exec: true, fsIsolation: .none)
    let core: SupervisedDriverCore

    package init(options: DriverOptions = DriverOptions()) {
        core = SupervisedDriverCore(driverName: "raw_exec", options: options)
    }

    package func validate(_ config: DriverConfig) throws(DriverError) {
        try configSchema.validate(config)
        if ConfigReader(config).string("command")?.isEmpty ?? true {
            throw .invalidConfig(key: "config.command", reason: "must not be empty")
        }
        if let pids = ConfigReader(config).integer("pids_limit"), pids < 0 {
            throw .invalidConfig(key: "config.pids_limit", reason: "must be at least 0 (0: no limit), got \(pids)")
        }
    }

    package func fingerprint() async -> Fingerprint {
        guard core.options.policy.rawExecEnabled else {
            return Fingerprint(health: .undetected,
                               healthDescription: "disabled (plugin \"raw_exec\" { config { enabled = true } } in the agent configuration enables it)",
                               attributes: NodeFingerprint.attributes())
        }
        return Fingerprint(health: .healthy, attributes: NodeFingerprint.attributes())
    }

    package func start(_ config: TaskConfig) async throws(DriverError) -> TaskHandle {
        try validate(config.driverConfig)
        if let problem = core.options.policy.problem(task: config.name, driver: name, config: config.driverConfig) {
            throw .startFailed(reason: problem, recoverable: false)
        }
        let plan = try buildPlan(config, command: nil)
        let reader = ConfigReader(config.driverConfig)
        let limits = try TaskCgroupLimits.make(config.resources, cpuHardLimit: reader.bool("cpu_hard_limit") == true,
                                               pidsLimit: reader.integer("pids_limit").map { Int($0) })
        try TaskCgroupLimits.validate(limits)
        return try await core.startOffPool(config, plan: plan, limits: limits, namespaces: 0)
    }

    package func execStreaming(_ id: String, command: [String], options: ExecOptions) async throws(DriverError) -> ExecSession {
        let task = try core.task(id)
        guard task.exit == nil else { throw .taskNotRunning(id: id) }
        guard !command.isEmpty, !command[0].isEmpty else { throw .invalidConfig(key: "command", reason: "no command given") }
        let plan = try buildPlan(task.config, command: command, terminal: options.tty)
        // The task (and with it the pidfd the plan names) stays alive until the command has started.
        return try withExtendedLifetime(task) { () throws(DriverError) -> ExecSession in
            try ExecSessionRunner.start(plan, supervisor: try core.supervisorPath(), cgroup: task.cgroup, taskID: id,
                                        options: options)
        }
    }

    /// A host process: the task's environment, its directory as the working directory (or
    /// `work_dir`), the task's user if it names one.
    func buildPlan(_ config: TaskConfig, command: [String]?, terminal: Bool = false) throws(DriverError) -> LaunchPlan {
        let reader = ConfigReader(config.driverConfig)
        var spec = IsolationSpec(command: command ?? ([reader.string("command") ?? ""] + reader.strings("args")),
                                 hostname: "localhost")
        spec.chrootEnv = []
        spec.environment = config.env.keys.sorted().map { "\($0)=\(config.env[$0]!)" }
        spec.workdir = reader.string("work_dir") ?? config.taskDir
        spec.user = config.user.isEmpty ? nil : config.user
        spec.terminal = terminal
        do {
            var plan = try LaunchPlanBuilder().build(spec, rootMountpoint: "/")
            plan.mode = .host
            plan.mounts = []
            plan.applyCapabilities = false
            plan.switchUser = spec.user != nil
            plan.noNewPrivileges = false
            plan.helperPath = core.options.initPath
            plan.execHelperPath = core.options.execPath
            return plan
        } catch {
            throw ExecDriver.driverError(error)
        }
    }
}
