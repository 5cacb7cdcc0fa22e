/// What the runner knows of a driver: the operations of Nomad's `DriverPlugin`, in Swift idiom.
///
/// A driver starts tasks from a `TaskConfig`, hands back a `TaskHandle` the runner persists, and
/// answers for the task from then on by its id (`TaskConfig.id`). Calls that wait are `async`.
/// Errors are `DriverError`s: `.taskNotFound` means the task is already gone (the runner treats it
/// as killed), and `recoverable` feeds the restart policy.
package protocol TaskDriver: Sendable {
    /// The driver's name in job files (`driver = "exec"`).
    var name: String { get }
    /// The keys its `config` block takes, with their types.
    var configSchema: ConfigSchema { get }
    /// What the driver supports, for the runner and the user.
    var capabilities: DriverCapabilities { get }

    /// Checks a task's driver config against the schema and the host, before anything is created.
    func validate(_ config: DriverConfig) throws(DriverError)
    /// Node attributes: what the driver found on this host (`${attr.*}`, percent-tick conversion).
    func fingerprint() async -> Fingerprint

    /// Starts the task; returns once it runs (or throws, leaving nothing behind).
    func start(_ config: TaskConfig) async throws(DriverError) -> TaskHandle
    /// Waits for the task to exit and returns how it ended. Many callers may wait at once.
    func wait(_ id: String) async throws(DriverError) -> ExitResult
    /// Sends `signal`, waits up to `timeout` for the task to exit, then kills every process of the task.
    /// Returns once the task has exited. A task that already exited is fine.
    func stop(_ id: String, timeout: Duration, signal: Int32) async throws(DriverError)
    /// Forgets the task and removes what the driver keeps for it. A running task is refused unless
    /// `force`, which kills it first.
    func destroy(_ id: String, force: Bool) async throws(DriverError)
    /// The task's current state.
    func inspect(_ id: String) async throws(DriverError) -> TaskStatus
    /// Resource usage every `interval` until the task exits (or the consumer stops iterating).
    func stats(_ id: String, interval: Duration) async throws(DriverError) -> AsyncStream<TaskResourceUsage>
    /// Delivers `signal` to the task's main process.
    func signal(_ id: String, signal: Int32) async throws(DriverError)
    /// Runs `command` inside the running task (its namespaces, cgroup, root, user, confinement),
    /// collects its output, and kills it when `timeout` passes.
    func exec(_ id: String, command: [String], timeout: Duration) async throws(DriverError) -> ExecResult
    /// Like `exec`, with the command's stdin and output as streams, optionally on a terminal.
    func execStreaming(_ id: String, command: [String], options: ExecOptions) async throws(DriverError) -> ExecSession
    /// Reattaches to a task started by an earlier instance of the driver (e.g. before the runner
    /// restarted). Throws `.taskNotFound` when the handle matches no task, after removing leftovers.
    func recover(_ handle: TaskHandle) async throws(DriverError)
    /// Finds what this driver keeps for a run started under `id` whose handle the runner may never
    /// have received or may have forgotten (the runner died during `start`, or between recording an
    /// exit and `destroy`): returns its handle (the task running or exited, now known to the driver
    /// again), or removes its leftovers and throws `.taskNotFound`.
    func recoverLost(_ id: String) async throws(DriverError) -> TaskHandle
}

extension TaskDriver {
    /// Drivers that keep nothing outside the process have nothing to find.
    package func recoverLost(_ id: String) async throws(DriverError) -> TaskHandle { throw .taskNotFound(id: id) }
}
