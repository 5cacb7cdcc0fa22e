import CorralCgroups
import CorralDriver
import CorralIsolation
import Foundation

/// The `raw_exec` driver: a trusted command run on the host as it is (no namespaces, no root
/// change, the agent's privileges unless the task names a user), but still in a cgroup of its own
/// with the task's limits, stats and OOM detection, so that killing it kills all of it.
public final class RawExecDriver: SupervisedTaskDriver {
    public let name = "raw_exec"
    public static let schema = ConfigSchema([
        ConfigAttribute("command", .string, required: true),
        ConfigAttribute("args", .list(.string)),
        ConfigAttribute("work_dir", .string),
        ConfigAttribute("cpu_hard_limit", .bool),
        ConfigAttribute("pids_limit", .integer),
    ])
    public let configSchema = RawExecDriver.schema
    public let capabilities = DriverCapabilities(sendSignals: true, exec: true, fsIsolation: .none)
    let core: SupervisedDriverCore

    public init(options: DriverOptions = DriverOptions()) {
        core = SupervisedDriverCore(driverName: "raw_exec", options: options)
    }

    public func validate(_ config: DriverConfig) throws(DriverError) {
        try configSchema.validate(config)
        if ConfigReader(config).string("command")?.isEmpty ?? true {
            throw .invalidConfig(key: "config.command", reason: "must not be empty")
        }
        if let pids = ConfigReader(config).integer("pids_limit"), pids < 0 {
            throw .invalidConfig(key: "config.pids_limit", reason: "must be at least 0 (0: no limit), got \(pids)")
        }
    }

    public func fingerprint() async -> Fingerprint {
        guard core.options.policy.rawExecEnabled else {
            return Fingerprint(health: .undetected,
                               healthDescription: "disabled (plugin \"raw_exec\" { config { enabled = true } } in the agent configuration enables it)",
                               attributes: NodeFingerprint.attributes())
        }
        return Fingerprint(health: .healthy, attributes: NodeFingerprint.attributes())
    }

    public func start(_ config: TaskConfig) async throws(DriverError) -> TaskHandle {
        try validate(config.driverConfig)
        if let problem = core.options.policy.problem(task: config.name, driver: name, config: config.driverConfig) {
            throw .startFailed(reason: problem, recoverable: false)
        }
        let plan = try buildPlan(config, command: nil)
        var limits = CgroupLimits()
        let reader = ConfigReader(config.driverConfig)
        limits.memoryMaxBytes = config.resources.memoryLimitBytes
        limits.memoryReservationBytes = config.resources.memoryReservationBytes
        limits.cpuShares = config.resources.cpuShares
        if reader.bool("cpu_hard_limit") == true {
            guard let ticks = config.resources.percentTicks, ticks > 0 else {
                throw .invalidConfig(key: "config.cpu_hard_limit", reason: "the task asks for no CPU to limit it to")
            }
            limits.cpuQuota = CPUQuota(percentTicks: ticks, cpuCount: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        }
        limits.pidsMax = PidsLimit.resolve(configured: reader.integer("pids_limit").map { Int($0) },
                                           resources: config.resources.pids)
        limits.cpusetCPUs = config.resources.cpuset
        do { try limits.validate() } catch { throw .invalidConfig(key: "resources", reason: error.description) }
        return try core.start(config, plan: plan, limits: limits, namespaces: 0)
    }

    public func execStreaming(_ id: String, command: [String], options: ExecOptions) async throws(DriverError) -> ExecSession {
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
