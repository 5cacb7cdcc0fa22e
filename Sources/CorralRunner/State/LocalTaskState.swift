import CorralDriver

/// What the runner keeps for itself about a task, to pick it up again after a restart of the
/// runtime (Nomad's `LocalState`): the hooks' progress and the driver's handle of the current run.
public struct LocalTaskState: Codable, Equatable, Sendable {
    /// Per prestart hook (by name): whether it finished and the data it wants back.
    public var hooks: [String: HookState]
    /// The running task's handle; nil between runs.
    public var driverHandle: TaskHandle?
    /// How many runs have been started: the next run's id is `alloc/task/<runCount>`.
    public var runCount: Int

    public init(hooks: [String: HookState] = [:], driverHandle: TaskHandle? = nil, runCount: Int = 0) {
        self.hooks = hooks
        self.driverHandle = driverHandle
        self.runCount = runCount
    }

    enum CodingKeys: String, CodingKey {
        case hooks
        case driverHandle = "driver_handle"
        case runCount = "run_count"
    }
}

/// A prestart hook's persisted progress.
public struct HookState: Codable, Equatable, Sendable {
    /// The hook finished and need not run again for this task (e.g. the task directory exists).
    public var done: Bool
    /// What the hook wants back next time (and when it is skipped): environment, paths.
    public var data: [String: String]
    /// Environment the hook added; applied again when a finished hook is skipped.
    public var env: [String: String]

    public init(done: Bool = false, data: [String: String] = [:], env: [String: String] = [:]) {
        self.done = done
        self.data = data
        self.env = env
    }
}
