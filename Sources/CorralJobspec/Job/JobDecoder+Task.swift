import CorralDriver
import CorralRunner

/// The `task` block and the blocks inside it.
extension JobDecoder {
    /// Memory bounds keep MiB-to-bytes arithmetic far from overflow: 1 PiB.
    static let maximumMemoryMiB = JobLimits.maximumMemoryMiB
    static let maximumCores = JobLimits.maximumCores
    /// 10 THz (a thousand 10 GHz cores): beyond any node, and far from overflow in any sum.
    static let maximumCPUMHz = JobLimits.maximumCPUMHz
    /// The most log files kept per stream (as `corral isolate --log-max-files`).
    static let maximumLogFiles = JobLimits.maximumLogFiles
    /// The longest kill timeout or shutdown delay: a year.
    static let maximumWait = JobLimits.maximumWait

    mutating func decodeTask(_ block: BlockView, restartDefaults: RestartPolicy, group: String) -> TaskSpec {
        let name = checkedName(of: block)
        let context = Self.context(of: block, name: name)
        let content = block.body.content(JobSchema.task, in: context, diagnostics: &diagnostics)
        decodePlacement(content, scope: .task(group: group, task: name))
        var task = TaskSpec(name: name, driver: "")
        if let value = content.value("driver") {
            if let driver = reader.string(value, "driver", &diagnostics) {
                task.driver = driver
                checkDriver(driver, at: value.range.start)
            }
        } else {
            diagnostics.error("\(context): missing driver", at: block.position)
        }
        let configBlock = single("config", of: content, in: context)
        let configDecoder = DriverConfigDecoder(
            members: configBlock?.body.members(path: "config", diagnostics: &diagnostics) ?? [],
            blockPosition: configBlock?.position, taskPosition: block.position)
        task.config = configDecoder.config(diagnostics: &diagnostics)
        if let schema = drivers[task.driver] {
            task.config = DriverConfigDecoder.normalized(task.config, schema: schema)
            configDecoder.validate(task.config, schema: schema, diagnostics: &diagnostics)
        }
        if let env = single("env", of: content, in: context) { task.env = reader.stringMap(env, "env", &diagnostics) }
        if let meta = single("meta", of: content, in: context) { task.meta = reader.stringMap(meta, "meta", &diagnostics) }
        if let value = content.value("user"), let user = reader.string(value, "user", &diagnostics) {
            if let problem = Self.userIDProblem(user) { diagnostics.error("user: \(quoted(user)): \(problem)", at: value.range.start) }
            task.user = user
        }
        if let value = content.value("leader"), let leader = reader.bool(value, "leader", &diagnostics) { task.leader = leader }
        if let value = content.value("kill_timeout"), let timeout = reader.duration(value, "kill_timeout", &diagnostics) {
            checkWait(timeout, "kill_timeout", at: value.range.start)
            task.killTimeout = timeout
        }
        if let value = content.value("kill_signal"), let signal = reader.string(value, "kill_signal", &diagnostics) {
            if SignalName.number(signal) == nil {
                diagnostics.error("kill_signal: unknown signal \(quoted(signal))", at: value.range.start)
            }
            task.killSignal = signal
        }
        if let value = content.value("shutdown_delay"), let delay = reader.duration(value, "shutdown_delay", &diagnostics) {
            checkWait(delay, "shutdown_delay", at: value.range.start)
            task.shutdownDelay = delay
        }
        if let resources = single("resources", of: content, in: context) { task.resources = decodeResources(resources) }
        if let logs = single("logs", of: content, in: context) { task.logs = decodeLogs(logs) }
        if let restart = single("restart", of: content, in: context) {
            task.restart = decodeRestart(restart, defaults: restartDefaults)
        }
        return task
    }

    /// A wait longer than `maximumWait` is refused.
    mutating func checkWait(_ duration: Duration, _ path: String, at position: SourcePosition) {
        if duration > Self.maximumWait {
            diagnostics.error("\(path): at most 8760h (a year), got \(GoDuration.format(duration))", at: position)
        }
    }

    /// Why a `USER[:GROUP]` cannot be: a numeric id outside 0...2147483647 (as runc refuses them:
    /// 4294967295 would read as -1, "unchanged", and leave the task root). Names are checked at start.
    static func userIDProblem(_ user: String) -> String? { JobLimits.userIDProblem(user) }

    /// An unknown driver, when the known ones are given: `driver "docker" is not available here (exec, raw_exec, mock)`.
    mutating func checkDriver(_ driver: String, at position: SourcePosition) {
        if driver.isEmpty {
            diagnostics.error("driver: must not be empty", at: position)
            return
        }
        guard !drivers.isEmpty, drivers[driver] == nil else { return }
        let known = Self.preferredDriverOrder.filter { drivers[$0] != nil }
            + drivers.keys.filter { !Self.preferredDriverOrder.contains($0) }.sorted()
        diagnostics.error("driver \(quoted(driver)) is not available here (\(known.joined(separator: ", ")))"
                          + suggestion(for: driver, among: known), at: position)
    }

    /// `resources { cpu, memory, memory_max, cores }`; what is not given keeps its default.
    mutating func decodeResources(_ block: BlockView) -> TaskResourceSpec {
        let content = block.body.content(JobSchema.resources, in: "resources", diagnostics: &diagnostics)
        var resources = TaskResourceSpec()
        if let value = content.value("cpu"), let cpu = reader.integer(value, "resources.cpu", minimum: 1, maximum: Self.maximumCPUMHz,
                                                                        &diagnostics) {
            resources.cpuMHz = cpu
        }
        if let value = content.value("memory"),
           let memory = reader.integer(value, "resources.memory", minimum: 1, maximum: Self.maximumMemoryMiB, &diagnostics) {
            resources.memoryMiB = memory
        }
        if let value = content.value("memory_max"), let memoryMax = reader.integer(value, "resources.memory_max", &diagnostics) {
            if memoryMax == TaskResourceSpec.noMemoryLimit {
                resources.memoryMaxMiB = memoryMax
            } else if memoryMax < 1 || memoryMax > Self.maximumMemoryMiB {
                diagnostics.error("resources.memory_max: must be -1 (no limit) or 1 to \(Self.maximumMemoryMiB), got \(memoryMax)",
                                  at: value.range.start)
            } else if memoryMax < resources.memoryMiB {
                diagnostics.error("resources.memory_max: must be at least memory (\(resources.memoryMiB)), got \(memoryMax)",
                                  at: value.range.start)
            } else {
                resources.memoryMaxMiB = memoryMax
            }
        }
        if let value = content.value("cores"),
           let cores = reader.integer(value, "resources.cores", minimum: 1, maximum: Self.maximumCores, &diagnostics) {
            if content.value("cpu") != nil {
                diagnostics.error("resources.cores: cannot be set together with cpu", at: value.range.start)
            }
            resources.cores = cores
        }
        return resources
    }

    /// `logs { max_files, max_file_size }` (MiB).
    mutating func decodeLogs(_ block: BlockView) -> LogConfig {
        let content = block.body.content(JobSchema.logs, in: "logs", diagnostics: &diagnostics)
        var logs = LogConfig()
        if let value = content.value("max_files"),
           let files = reader.integer(value, "logs.max_files", minimum: 1, maximum: Self.maximumLogFiles, &diagnostics) {
            logs.maxFiles = files
        }
        if let value = content.value("max_file_size"),
           let size = reader.integer(value, "logs.max_file_size", minimum: 1, maximum: JobLimits.maximumLogFileSizeMiB, &diagnostics) {
            logs.maxFileSizeMiB = size
        }
        return logs
    }

    /// `restart { attempts, interval, delay, mode }`: missing fields take `defaults` (the job type's,
    /// or for a task the group's policy). The policy's own problems are reported at the field they
    /// name when it is written, else at the block.
    mutating func decodeRestart(_ block: BlockView, defaults: RestartPolicy) -> RestartPolicy {
        let content = block.body.content(JobSchema.restart, in: "restart", diagnostics: &diagnostics)
        var policy = defaults
        if let value = content.value("attempts"), let attempts = reader.integer(value, "restart.attempts", &diagnostics) {
            policy.attempts = attempts
        }
        if let value = content.value("interval"), let interval = reader.duration(value, "restart.interval", &diagnostics) {
            policy.interval = interval
        }
        if let value = content.value("delay"), let delay = reader.duration(value, "restart.delay", &diagnostics) {
            policy.delay = delay
        }
        if let value = content.value("mode"), let mode = reader.string(value, "restart.mode", &diagnostics) {
            if let parsed = RestartPolicy.Mode(rawValue: mode) {
                policy.mode = parsed
            } else {
                diagnostics.error("restart.mode: must be \"fail\" or \"delay\", got \(quoted(mode))", at: value.range.start)
            }
        }
        for problem in policy.problems {
            let field = String(problem.prefix { $0 != ":" })
            diagnostics.error("restart.\(problem)", at: content.value(field)?.range.start ?? block.position)
        }
        return policy
    }
}
