import CorralDriver

/// A piece of a task's lifecycle that runs at fixed points of the run loop (Nomad's task runner
/// hooks). A hook conforms to the protocols of the phases it takes part in; each built-in hook is in
/// its own file. Hooks run serially, in the order they are given.
package protocol TaskHook: Sendable {
    /// The hook's name, in events (`prestart hook "task_dir" failed: ...`) and persisted hook state.
    var name: String { get }
}

/// What every hook is told about its task.
package struct TaskHookContext: Sendable {
    package let allocation: Allocation
    package let task: TaskSpec
    package let directory: TaskDirectory
    package let node: NodeInfo
    package let driver: any TaskDriver
    package let clock: any RunnerClock
    /// Adds an event to the task (persisted, then announced).
    package let emit: @Sendable (TaskEvent) async -> Void

    /// Whether the task is being killed (or its runner shut down) while this hook runs: prestart hooks
    /// run in a task that a kill cancels, so `Task.sleep` and other cancellable waits end at once,
    /// and a long hook should check this (or `Task.checkCancellation()`) between steps.
    package var isCancelled: Bool { Task.isCancelled }
}

/// Before each start: prepares what the driver will be given.
package protocol TaskPrestartHook: TaskHook {
    func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse
}

/// What a prestart hook sees: its state from an earlier run (or an earlier runtime) and what the
/// hooks before it produced.
package struct PrestartRequest: Sendable {
    package var previous: HookState?
    /// The environment so far (from earlier hooks).
    package var env: [String: String]
    /// The driver config so far (interpolated once the `env` hook ran).
    package var driverConfig: DriverConfig
}

/// What a prestart hook contributes. Empty fields change nothing.
package struct PrestartResponse: Sendable {
    /// Variables added to the task's environment.
    package var env: [String: String]
    /// Replaces the driver config (the `env` hook's interpolation).
    package var driverConfig: DriverConfig?
    package var devices: [DeviceRequest]
    package var mounts: [MountRequest]
    package var logging: LogConfig?
    /// Persisted with the hook's state.
    package var data: [String: String]
    /// The hook need not run again for this task; its `env` is reapplied when it is skipped.
    package var done: Bool

    package init(env: [String: String] = [:], driverConfig: DriverConfig? = nil, devices: [DeviceRequest] = [],
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
package protocol TaskPoststartHook: TaskHook {
    func poststart(handle: TaskHandle, context: TaskHookContext) async throws
}

/// After each run ends (before the restart decision). `result` is nil when the exit is unknown.
package protocol TaskExitedHook: TaskHook {
    func exited(result: ExitResult?, context: TaskHookContext) async throws
}

/// When the allocation is updated; update hooks run one at a time, one update at a time.
package protocol TaskUpdateHook: TaskHook {
    func update(allocation: Allocation, context: TaskHookContext) async throws
}

/// Once the task is dead for good.
package protocol TaskStopHook: TaskHook {
    func stop(context: TaskHookContext) async throws
}

/// When the runner shuts down and leaves the task running.
package protocol TaskShutdownHook: TaskHook {
    func shutdown(context: TaskHookContext) async
}

/// Before the runner kills (or restarts) the task: deregistering, draining.
package protocol TaskPrekillHook: TaskHook {
    func prekill(context: TaskHookContext) async
}

/// A hook's failure, with whether a retry may succeed (feeds the restart policy). Any other error a
/// hook throws counts as unrecoverable, as in Nomad.
package struct HookFailure: Error, Equatable, Sendable, CustomStringConvertible {
    package var message: String
    package var recoverable: Bool

    package init(_ message: String, recoverable: Bool = false) {
        self.message = message
        self.recoverable = recoverable
    }

    package var description: String { message }
}
