import CoreMetrics
import CorralDriver
import Synchronization

/// Runs one allocation: all the tasks of its group together, each in its own `TaskRunner`
/// (Nomad's `allocRunner`). When the `leader` task dies, the others are killed (`Leader Task Dead`);
/// when a task fails for good, its siblings are killed (`Sibling Task Failed`). Its status
/// summarises its tasks; `updates` announces every persisted task state change.
package actor AllocRunner {
    package nonisolated let allocID: String
    private(set) var allocation: Allocation
    private let store: any StateStore
    private let taskDirBuilder: any TaskDirBuilder
    private let config: RunnerConfig
    private let clock: any RunnerClock
    private let runners: [String: TaskRunner]
    private let order: [String]
    private var taskStates: [String: TaskState] = [:]
    private var siblingsKilled = false
    private let continuation: AsyncStream<AllocUpdate>.Continuation
    /// Every task state change, after it is persisted (one consumer).
    package nonisolated let updates: AsyncStream<AllocUpdate>

    /// Checks that every task has a registered driver before anything is created.
    package init(allocation: Allocation, drivers: [String: any TaskDriver], store: any StateStore,
                clock: any RunnerClock = SystemClock(), config: RunnerConfig, taskDirBuilder: any TaskDirBuilder,
                metricsFactory: any MetricsFactory, extraHooks: @Sendable (String) -> [any TaskHook] = { _ in [] })
        throws(TaskRunnerError) {
        guard let group = allocation.group else { throw .unknownTask(allocID: allocation.id, task: allocation.groupName) }
        self.allocID = allocation.id
        self.allocation = allocation
        self.store = store
        self.taskDirBuilder = taskDirBuilder
        self.config = config
        self.clock = clock
        (updates, continuation) = AsyncStream.makeStream(of: AllocUpdate.self)
        let box = WeakAllocRunner()
        var runners: [String: TaskRunner] = [:]
        for task in group.tasks {
            guard let driver = drivers[task.driver] else { throw .unknownDriver(task: task.name, driver: task.driver) }
            runners[task.name] = try TaskRunner(
                allocation: allocation, taskName: task.name, driver: driver, store: store, clock: clock, config: config,
                taskDirBuilder: taskDirBuilder, metricsFactory: metricsFactory, extraHooks: extraHooks(task.name),
                onStateChange: { name, state in await box.runner?.taskStateChanged(name, state) })
        }
        self.runners = runners
        self.order = group.tasks.map(\.name)
        self.taskStates = Dictionary(uniqueKeysWithValues: group.tasks.map { ($0.name, TaskState()) })
        box.runner = self
    }

    package func runner(for task: String) -> TaskRunner? { runners[task] }

    package var status: AllocStatus { AllocStatus(taskStates: taskStates) }

    /// Persists the allocation (unless the caller already has: `persisted`) and runs its tasks;
    /// returns when every task runner has finished (tasks dead, or the runners shut down).
    package func run(persisted: Bool = false) async throws(StateStoreError) {
        // However run ends, the updates stream ends with it (its consumer must not wait forever).
        defer { continuation.finish() }
        if !persisted { try await store.putAllocation(allocation) }
        // A task found dead and failed (or a dead leader) by `restore`: its siblings may not have been
        // killed before the runtime went down.
        for name in order {
            if let state = taskStates[name], state.state == .dead { applyGroupRules(after: name, state) }
        }
        await withTaskGroup(of: Void.self) { group in
            for name in order {
                guard let runner = runners[name] else { continue }
                group.addTask { await runner.run() }
            }
        }
    }

    /// Restores every task runner from the store (call before `run`).
    package func restore() async throws(StateStoreError) {
        for name in order {
            guard let runner = runners[name] else { continue }
            try await runner.restore()
            taskStates[name] = await runner.taskState
        }
    }

    /// Kills every task and waits until all are dead.
    package func kill(reason: String? = nil) async {
        await withTaskGroup(of: Void.self) { group in
            for runner in runners.values { group.addTask { await runner.kill(reason: reason) } }
        }
    }

    /// Kills every task at once (SIGKILL, no grace), also cutting short kills under way.
    package func forceKill(reason: String? = nil) async {
        await withTaskGroup(of: Void.self) { group in
            for runner in runners.values { group.addTask { await runner.forceKill(reason: reason) } }
        }
    }

    /// Stops the runners and leaves the tasks running (state persisted for `restore`).
    package func shutdown() async {
        await withTaskGroup(of: Void.self) { group in
            for runner in runners.values { group.addTask { await runner.shutdown() } }
        }
    }

    /// Kills the tasks, then removes the allocation directory and the allocation's stored state.
    /// The stored state goes even when the directory cannot be removed (a mount left inside, say):
    /// the allocation is gone for good, and must not come back at the next start; the directory
    /// left behind is reported (`AllocDirectoryLeft`) for the operator to remove.
    package func destroy() async throws {
        await kill()
        let allocDir = TaskDirectory(allocRoot: config.allocRoot, allocID: allocID, task: "").allocDir
        var directoryFailure: (any Error)?
        do { try await taskDirBuilder.destroy(allocDir: allocDir) } catch { directoryFailure = error }
        try await store.deleteAllocation(id: allocID)
        for runner in runners.values { await runner.releaseMetrics() }
        if let directoryFailure { throw AllocDirectoryLeft(allocID: allocID, path: allocDir, reason: "\(directoryFailure)") }
    }

    /// A changed allocation: persisted, then given to every task runner. `desiredStatus = stop` kills.
    package func update(_ allocation: Allocation) async throws(StateStoreError) {
        self.allocation = allocation
        try await store.putAllocation(allocation)
        for runner in runners.values { await runner.update(allocation) }
        if allocation.desiredStatus == .stop { await kill(reason: "allocation stopped") }
    }

    func taskStateChanged(_ name: String, _ state: TaskState) {
        taskStates[name] = state
        continuation.yield(AllocUpdate(task: name, state: state, status: AllocStatus(taskStates: taskStates)))
        applyGroupRules(after: name, state)
    }

    /// A failed task takes its siblings down; so does a dead leader.
    private func applyGroupRules(after name: String, _ state: TaskState) {
        guard state.state == .dead, !siblingsKilled, runners.count > 1 else { return }
        let leader = allocation.group?.task(named: name)?.leader ?? false
        guard state.failed || leader else { return }
        siblingsKilled = true
        let others = runners.filter { $0.key != name }.map(\.value)
        let failed = state.failed
        let clock = self.clock
        // Off this call: the dead task's runner is waiting for this announcement to return.
        Task {
            await withTaskGroup(of: Void.self) { group in
                for runner in others {
                    group.addTask {
                        let now = clock.now()
                        let cause: TaskEvent = failed ? .siblingFailed(at: now, sibling: name) : .leaderDead(at: now)
                        await runner.kill(cause: cause)
                    }
                }
            }
        }
    }
}

/// One announced task state change, with the allocation's status after it.
package struct AllocUpdate: Sendable {
    package var task: String
    package var state: TaskState
    package var status: AllocStatus
}

/// Lets task runners reach their allocation runner without a reference cycle.
private final class WeakAllocRunner: Sendable {
    private let box = Mutex<WeakReference?>(nil)
    var runner: AllocRunner? {
        get { box.withLock { $0?.value } }
        set { box.withLock { $0 = newValue.map(WeakReference.init) } }
    }
}

private struct WeakReference: Sendable {
    weak var value: AllocRunner?
}

/// An allocation was destroyed (its tasks dead, its stored state deleted) but its directory could
/// not be removed: it is left on the host, and nothing will remove it by itself.
package struct AllocDirectoryLeft: Error, Sendable, CustomStringConvertible {
    package var allocID: String
    package var path: String
    package var reason: String

    package var description: String {
        "allocation \(allocID) is removed, but its directory \(path) is left behind: \(reason)"
    }
}
