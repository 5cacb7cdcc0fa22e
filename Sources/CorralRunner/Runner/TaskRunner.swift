import CoreMetrics
import CorralDriver

/// Runs one task of one allocation through its lifecycle (Nomad's client `TaskRunner`):
/// prestart hooks → driver start → poststart hooks → wait → exited hooks → restart decision →
/// interruptible delay → again; stop hooks once the task is dead.
///
/// - `kill` stops the task for good (`shutdown_delay`, `kill_signal`, `kill_timeout` capped by
///   `maxKillTimeout`, retried with backoff when the driver fails) and marks it dead.
/// - `shutdown` stops the runner and leaves the task running; a new runner on the same store
///   `restore`s it and `run`s on, with the task's true exit if it ended meanwhile.
/// - Every state change and event is persisted before it is announced (`onStateChange`).
///
/// An actor: requests (`kill`, `signal`, `restart`, `update`) are served while the run loop waits;
/// the loop's waits are races between the driver, the clock and these requests (`Wake`).
package actor TaskRunner {
    package nonisolated let taskName: String
    package nonisolated let allocID: String
    var allocation: Allocation
    let task: TaskSpec
    let driver: any TaskDriver
    let store: any StateStore
    let clock: any RunnerClock
    let config: RunnerConfig
    let directory: TaskDirectory
    let hooks: [any TaskHook]
    let metrics: TaskMetrics
    let statsHook: StatsHook
    let onStateChange: @Sendable (String, TaskState) async -> Void

    var state = TaskState()
    var local = LocalState()
    var tracker: RestartTracker
    /// The current run's handle; nil between runs.
    var handle: TaskHandle?
    var restored = false
    /// The run loop's stage and the kill, shutdown and restart requests (see `RunnerLifecycle`).
    var lifecycle = RunnerLifecycle()
    /// An exit recorded before the runtime went down, whose restart decision was not made yet.
    var pendingExit: ExitResult?
    /// Set when the kill failed for good.
    var killError: (attempts: Int, message: String)?
    /// Set once a kill that came after the loop ended (by a shutdown) has been carried out.
    let lateKillDone = OneShot<Void>()
    /// The race the loop is waiting on, for requests to cut short.
    var wake: OneShot<Wake>?
    let finished = OneShot<Void>()
    var persistChain: Task<Void, Never>?
    var pendingUpdate: Allocation?
    /// Resolved once the kill's `Killing` event is recorded; `Killed` waits for it (`finishAsDead`),
    /// so that a loop that ends during the kill's own writes never records them out of order.
    let killAnnounced = OneShot<Void>()
    /// The prestart hooks under way, for a kill or a shutdown to cancel.
    var prestartTask: Task<Result<TaskConfig, StartFailure>, Never>?
    var updating = false
    /// The last failed write to the store (retried until it succeeds; see `persist`).
    package internal(set) var lastPersistenceError: StateStoreError?
    /// A write is failing now (and being retried).
    package internal(set) var persistenceFailing = false

    /// What ends a wait of the run loop.
    enum Wake: Sendable {
        case exited(ExitResult)
        case waitFailed(String)
        case timer
        case kill
        case restart
        case shutdown
    }

    /// - Parameters:
    ///   - extraHooks: run after the built-in hooks of each phase.
    ///   - onStateChange: told of every persisted change (the allocation runner listens).
    package init(allocation: Allocation, taskName: String, driver: any TaskDriver, store: any StateStore,
                clock: any RunnerClock = SystemClock(), config: RunnerConfig, taskDirBuilder: any TaskDirBuilder,
                metricsFactory: any MetricsFactory, extraHooks: [any TaskHook] = [],
                onStateChange: @escaping @Sendable (String, TaskState) async -> Void = { _, _ in })
        throws(TaskRunnerError) {
        guard let task = allocation.group?.task(named: taskName) else {
            throw .unknownTask(allocID: allocation.id, task: taskName)
        }
        guard driver.name == task.driver else { throw .unknownDriver(task: taskName, driver: task.driver) }
        self.taskName = taskName
        self.allocID = allocation.id
        self.allocation = allocation
        self.task = task
        self.driver = driver
        self.store = store
        self.clock = clock
        self.config = config
        self.directory = TaskDirectory(allocRoot: config.allocRoot, allocID: allocation.id, task: taskName)
        self.metrics = TaskMetrics(factory: metricsFactory, allocation: allocation, task: taskName)
        self.statsHook = StatsHook(interval: config.statsInterval, metrics: metrics)
        self.hooks = [ValidateHook(), TaskDirHook(builder: taskDirBuilder), EnvHook(), LogsHook(), DevicesHook(),
                      statsHook] + extraHooks
        self.onStateChange = onStateChange
        let policy = task.restart ?? allocation.group?.restart ?? RestartPolicy.defaults(for: allocation.job.type)
        self.tracker = RestartTracker(policy: policy, jobType: allocation.job.type,
                                      seed: config.restartSeed ?? UInt64.random(in: 0...UInt64.max), createdAt: clock.now())
    }

    // MARK: Reading

    package var taskState: TaskState { state }
    /// The current run's driver handle.
    package var currentHandle: TaskHandle? { handle }
    /// The newest resource usage reading of the current run.
    package nonisolated var latestResourceUsage: TaskResourceUsage? { statsHook.latest }
    /// Returns once the run loop has ended (task dead, or runner shut down).
    package func waitUntilFinished() async { await finished.value() }

    /// `kill_timeout`, capped by the runner's `maxKillTimeout` (Nomad forgot the cap: #10005); none
    /// once the kill is forced.
    var killTimeout: Duration { lifecycle.forced ? .zero : min(task.killTimeout, config.maxKillTimeout) }
    var killSignal: Int32 { lifecycle.forced ? 9 : SignalName.number(task.killSignal) ?? 15 }

    // MARK: Requests

    /// Removes the task's metric series (when its allocation is destroyed).
    package func releaseMetrics() { metrics.destroy() }

    /// Adds an event to the task (persisted, then announced).
    package func emit(_ event: TaskEvent) async { await record([event]) }

    /// Kills the task for good and returns once it is dead. `cause` is recorded first (a sibling's
    /// failure, the leader's death); `reason` goes into the `Killing` event.
    package func kill(reason: String? = nil, cause: TaskEvent? = nil) async {
        if state.state == .dead {
            if lifecycle.loopStarted { await finished.value() }
            return
        }
        if lifecycle.requestKill() {
            local.killRequested = true
            var events: [TaskEvent] = []
            if let cause { events.append(cause) }
            events.append(.killing(at: clock.now(), timeout: killTimeout, reason: reason))
            await persistLocal()
            await record(events)
            lifecycle.killAnnounced()
            killAnnounced.resolve(())
            cancelPrestart()
            wake?.resolve(.kill)
        }
        if lifecycle.loopStarted { await finished.value() } else { await run() }
        // The loop ended by a shutdown (before or while this kill came): kill the task here.
        if state.state != .dead { await killAfterShutdown() }
    }

    /// Kills a task whose run loop has already ended by a shutdown.
    func killAfterShutdown() async {
        guard lifecycle.beginLateKill() else { return await lateKillDone.value() }
        defer { lateKillDone.resolve(()) }
        if handle != nil {
            let result = await killRunningTask()
            await endRun(result)
        }
        await finishAsDead()
    }

    /// Kills the task at once (SIGKILL, no `kill_timeout`), also cutting short a graceful kill under
    /// way (a second Ctrl-C); returns once it is dead.
    package func forceKill(reason: String? = nil) async {
        lifecycle.force()
        if let handle { try? await driver.stop(handle.id, timeout: .zero, signal: 9) }
        await kill(reason: reason)
    }

    /// Stops the runner and leaves the task running; its state stays persisted for `restore`.
    package func shutdown() async {
        lifecycle.requestShutdown()
        cancelPrestart()
        wake?.resolve(.shutdown)
        if lifecycle.loopStarted { await finished.value() }
        await runShutdownHooks()
        await persistChain?.value
    }

    /// Sends a signal to the running task (`Signaling` event).
    package func signal(_ name: String, reason: String = "") async throws(TaskRunnerError) {
        guard let number = SignalName.number(name) else { throw .invalidSignal(name) }
        guard let handle, state.state == .running else { throw .notRunning(task: taskName) }
        await record([.signaling(at: clock.now(), signal: SignalName.name(number), reason: reason)])
        do {
            try await driver.signal(handle.id, signal: number)
        } catch {
            throw .driver(error)
        }
    }

    /// Restarts the running task now (`Restart Signaled`); it does not count against the restart policy.
    package func restart(reason: String = "") async throws(TaskRunnerError) {
        guard handle != nil, state.state == .running, lifecycle.requestRestart() else { throw .notRunning(task: taskName) }
        wake?.resolve(.restart)
        await record([.restartSignaled(at: clock.now(), reason: reason)])
    }

    /// Runs a command inside the running task.
    package func exec(_ command: [String], timeout: Duration) async throws(TaskRunnerError) -> ExecResult {
        guard let handle, state.state == .running else { throw .notRunning(task: taskName) }
        do {
            return try await driver.exec(handle.id, command: command, timeout: timeout)
        } catch {
            throw .driver(error)
        }
    }

    /// Runs a command inside the running task with its input and output as streams (optionally on
    /// a terminal); the session's end is the command's.
    package func execStreaming(_ command: [String], options: ExecOptions) async throws(TaskRunnerError) -> ExecSession {
        guard let handle, state.state == .running else { throw .notRunning(task: taskName) }
        do {
            return try await driver.execStreaming(handle.id, command: command, options: options)
        } catch {
            throw .driver(error)
        }
    }

    /// The allocation changed: update hooks run with it, one update at a time; updates that arrive
    /// meanwhile are coalesced into the newest (at most one pending).
    package func update(_ allocation: Allocation) {
        pendingUpdate = allocation
        guard !updating else { return }
        updating = true
        Task { await self.drainUpdates() }
    }

    func drainUpdates() async {
        while let next = pendingUpdate {
            pendingUpdate = nil
            allocation = next
            for hook in hooks.compactMap({ $0 as? any TaskUpdateHook }) {
                try? await hook.update(allocation: next, context: hookContext())
            }
        }
        updating = false
    }

    func hookContext() -> TaskHookContext {
        TaskHookContext(allocation: allocation, task: task, directory: directory, node: config.node, driver: driver,
                        clock: clock, emit: { [weak self] event in await self?.emit(event) })
    }
}
