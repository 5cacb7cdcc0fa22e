import CorralDriver

/// A piece of a task's lifecycle that runs at fixed points of the run loop (Nomad's task runner
/// hooks). A hook conforms to the protocols of the phases it takes part in; each built-in hook is in
/// its own file. Hooks run serially, in the order they are given.
public protocol TaskHook: Sendable {
    /// The hook's name, in events (`prestart hook "task_dir" failed: ...`) and persisted hook state.
    var name: String { get }
}

/// What every hook is told about its task.
public struct TaskHookContext: Sendable {
    public let allocation: Allocation
    public let task: TaskSpec
    public let directory: TaskDirectory
    public let node: NodeInfo
    public let driver: any TaskDriver
    public let clock: any RunnerClock
    /// Adds an event to the task (persisted, then announced).
    public let emit: @Sendable (TaskEvent) async -> Void
}

/// Before each start: prepares what the driver will be given.
public protocol TaskPrestartHook: TaskHook {
    func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse
}

/// What a prestart hook sees: its state from an earlier run (or an earlier runtime) and what the
/// hooks before it produced.
public struct PrestartRequest: Sendable {
    public var previous: HookState?
    /// The environment so far (from earlier hooks).
    public var env: [String: String]
    /// The driver config so far (interpolated once the `env` hook ran).
    public var driverConfig: DriverConfig
}

/// What a prestart hook contributes. Empty fields change nothing.
public struct PrestartResponse: Sendable {
    /// Variables added to the task's environment.
    public var env: [String: String]
    /// Replaces the driver config (the `env` hook's interpolation).
    public var driverConfig: DriverConfig?
    public var devices: [DeviceRequest]
    public var mounts: [MountRequest]
    public var logging: LogConfig?
    /// Persisted with the hook's state.
    public var data: [String: String]
    /// The hook need not run again for this task; its `env` is reapplied when it is skipped.
    public var done: Bool

    public init(env: [String: String] = [:], driverConfig: DriverConfig? = nil, devices: [DeviceRequest] = [],
                mounts: [MountRequest] = [], logging: LogConfig? = nil, data: [String: String] = [:], done: Bool = false) {
        self.env = env
        self.driverConfig = driverConfig
        self.devices = devices
        self.mounts = mounts
        self.logging = logging
        self.data = data
        self.done = done
    }
}

/// After each successful start.
public protocol TaskPoststartHook: TaskHook {
    func poststart(handle: TaskHandle, context: TaskHookContext) async throws
}

/// After each run ends (before the restart decision). `result` is nil when the exit is unknown.
public protocol TaskExitedHook: TaskHook {
    func exited(result: ExitResult?, context: TaskHookContext) async throws
}

/// When the allocation is updated; update hooks run one at a time, one update at a time.
public protocol TaskUpdateHook: TaskHook {
    func update(allocation: Allocation, context: TaskHookContext) async throws
}

/// Once the task is dead for good.
public protocol TaskStopHook: TaskHook {
    func stop(context: TaskHookContext) async throws
}

/// When the runner shuts down and leaves the task running.
public protocol TaskShutdownHook: TaskHook {
    func shutdown(context: TaskHookContext) async
}

/// Before the runner kills (or restarts) the task: deregistering, draining.
public protocol TaskPrekillHook: TaskHook {
    func prekill(context: TaskHookContext) async
}

/// A hook's failure, with whether a retry may succeed (feeds the restart policy). Any other error a
/// hook throws counts as unrecoverable, as in Nomad.
public struct HookFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var recoverable: Bool

    public init(_ message: String, recoverable: Bool = false) {
        self.message = message
        self.recoverable = recoverable
    }

    public var description: String { message }
}
