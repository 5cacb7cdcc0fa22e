import Foundation
import CorralDriver
@testable import CorralRunner
import CorralRunnerTestSupport
import MetricsTestKit
import Synchronization

/// The runner's task state (the driver API has a `TaskState` of its own).
typealias TaskState = CorralRunner.TaskState

/// The mock driver with test controls: records every `TaskConfig` it starts, lets stops fail a
/// number of times (or report the task gone), can make an exit an OOM kill, and accepts any driver
/// config key (passing only the mock's own keys on).
final class RecordingDriver: TaskDriver {
    enum StopBehaviour: Sendable { case normal, fail(times: Int), notFound }

    let mock = MockDriver()
    var name: String { mock.name }
    var configSchema: ConfigSchema { mock.configSchema }
    var capabilities: DriverCapabilities { mock.capabilities }
    private let state = Mutex<(started: [TaskConfig], stopCalls: Int, stopBehaviour: StopBehaviour, oom: Bool)>(
        ([], 0, .normal, false))

    static let mockKeys: Set<String> = ["run_for", "exit_code", "exit_signal", "exit_err_msg", "start_error",
                                        "start_error_recoverable", "start_block_for", "kill_after", "signal_error",
                                        "stdout_string", "stdout_repeat", "stdout_repeat_duration"]

    init(stop: StopBehaviour = .normal, oomOnExit: Bool = false) {
        state.withLock { $0.stopBehaviour = stop; $0.oom = oomOnExit }
    }

    var started: [TaskConfig] { state.withLock { $0.started } }
    var stopCalls: Int { state.withLock { $0.stopCalls } }

    private func mockOnly(_ config: DriverConfig) -> DriverConfig { config.filter { Self.mockKeys.contains($0.key) } }

    func validate(_ config: DriverConfig) throws(DriverError) { try mock.validate(mockOnly(config)) }
    func fingerprint() async -> Fingerprint { await mock.fingerprint() }

    func start(_ config: TaskConfig) async throws(DriverError) -> TaskHandle {
        state.withLock { $0.started.append(config) }
        var passed = config
        passed.driverConfig = mockOnly(config.driverConfig)
        var handle = try await mock.start(passed)
        handle.config = config
        return handle
    }

    func wait(_ id: String) async throws(DriverError) -> ExitResult {
        var result = try await mock.wait(id)
        if state.withLock({ $0.oom }) { result.oomKilled = true }
        return result
    }

    func stop(_ id: String, timeout: Duration, signal: Int32) async throws(DriverError) {
        let behaviour: StopBehaviour = state.withLock { state in
            state.stopCalls += 1
            if case .fail(let times) = state.stopBehaviour {
                state.stopBehaviour = times > 1 ? .fail(times: times - 1) : .normal
                return .fail(times: times)
            }
            return state.stopBehaviour
        }
        switch behaviour {
        case .normal: try await mock.stop(id, timeout: timeout, signal: signal)
        case .fail: throw .failed(operation: "stop task \(id)", reason: "injected failure", recoverable: true)
        case .notFound: throw .taskNotFound(id: id)
        }
    }

    func destroy(_ id: String, force: Bool) async throws(DriverError) { try await mock.destroy(id, force: force) }
    func inspect(_ id: String) async throws(DriverError) -> TaskStatus { try await mock.inspect(id) }
    func stats(_ id: String, interval: Duration) async throws(DriverError) -> AsyncStream<TaskResourceUsage> {
        try await mock.stats(id, interval: interval)
    }
    func signal(_ id: String, signal: Int32) async throws(DriverError) { try await mock.signal(id, signal: signal) }
    func exec(_ id: String, command: [String], timeout: Duration) async throws(DriverError) -> ExecResult {
        try await mock.exec(id, command: command, timeout: timeout)
    }
    func execStreaming(_ id: String, command: [String], options: ExecOptions) async throws(DriverError) -> ExecSession {
        try await mock.execStreaming(id, command: command, options: options)
    }
    func recoverLost(_ id: String) async throws(DriverError) -> TaskHandle { try await mock.recoverLost(id) }

    func recover(_ handle: TaskHandle) async throws(DriverError) {
        var passed = handle
        passed.config.driverConfig = mockOnly(handle.config.driverConfig)
        try await mock.recover(passed)
    }
}

/// One test's runner world: a temporary allocation root, the recording mock driver, an in-memory
/// store, a manual clock and a test metrics factory; removes its directory when released.
final class RunnerHarness: Sendable {
    let root: String
    let driver: RecordingDriver
    let store: MemoryStateStore
    let clock: ManualClock
    let metrics = TestMetrics()
    let node = NodeInfo(id: "node-1", name: "host-a", datacenter: "dc7", region: "eu",
                        attributes: ["kernel.name": "linux", "cpu.totalcompute": "4000"], meta: ["rack": "r12"])
    private let changes: AsyncStream<TaskState>
    private let changesIn: AsyncStream<TaskState>.Continuation
    private let unpersisted = Tally()
    /// Announcements whose state was not in the store yet (must stay 0: persist, then announce).
    var announcedBeforePersisted: Int { unpersisted.count }

    init(driver: RecordingDriver = RecordingDriver(), store: MemoryStateStore = MemoryStateStore(),
         autoAdvance: Bool = true) {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("corral-runner-\(UUID().uuidString)").path
        self.driver = driver
        self.store = store
        self.clock = ManualClock(autoAdvance: autoAdvance)
        (changes, changesIn) = AsyncStream.makeStream(of: TaskState.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var config: RunnerConfig {
        RunnerConfig(allocRoot: root, maxKillTimeout: .seconds(30), statsInterval: .milliseconds(5), node: node,
                     restartSeed: 42)
    }

    func runner(_ allocation: Allocation, task: String? = nil, hooks: [any TaskHook] = [],
                driver: (any TaskDriver)? = nil) throws -> TaskRunner {
        let changesIn = self.changesIn
        let (store, unpersisted) = (self.store, self.unpersisted)
        let name = task ?? allocation.group!.tasks[0].name
        return try TaskRunner(allocation: allocation, taskName: name,
                              driver: driver ?? self.driver, store: store, clock: clock, config: config,
                              taskDirBuilder: PlainTaskDirBuilder(), metricsFactory: metrics, extraHooks: hooks,
                              onStateChange: { _, state in
                                  // The announced state, or a newer one, is already stored.
                                  let stored = try? await store.taskState(allocID: allocation.id, task: name)
                                  let hasEvent = state.events.last.map { stored?.events.contains($0) ?? false } ?? true
                                  let hasState = state.state != .dead || stored?.state == .dead
                                  if stored == nil || !hasEvent || !hasState { unpersisted.increment() }
                                  changesIn.yield(state)
                              })
    }

    /// Waits until an announced state satisfies `condition` (announcements come after persistence).
    func waitFor(_ condition: (TaskState) -> Bool) async -> TaskState? {
        for await state in changes where condition(state) { return state }
        return nil
    }
}

/// An allocation of one group with the given tasks.
func makeAllocation(_ tasks: [TaskSpec], type: JobType = .batch, restart: RestartPolicy? = nil,
                    id: String = "a1b2c3d4-0000-4000-8000-000000000001") -> Allocation {
    let group = TaskGroup(name: "web", meta: ["tier": "front"], restart: restart, tasks: tasks)
    let job = Job(id: "shop", name: "shop", type: type, meta: ["owner": "ops"], groups: [group])
    return Allocation(id: id, job: job, groupName: "web", index: 2)
}

func mockTask(_ name: String = "app", _ config: DriverConfig = [:], killTimeout: Duration = .seconds(5),
              shutdownDelay: Duration = .zero, leader: Bool = false, env: [String: String] = [:]) -> TaskSpec {
    TaskSpec(name: name, driver: "mock", config: config, env: env, killTimeout: killTimeout,
             shutdownDelay: shutdownDelay, leader: leader)
}

extension TaskState {
    var eventTypes: [TaskEventType] { events.map(\.type) }
}

func policy(attempts: Int, interval: Duration = .seconds(600), delay: Duration = .seconds(15),
            mode: RestartPolicy.Mode = .fail) -> RestartPolicy {
    RestartPolicy(attempts: attempts, interval: interval, delay: delay, mode: mode)
}

/// A counter shared with @Sendable closures.
final class Tally: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func increment() { value.withLock { $0 += 1 } }
}

/// A store that "crashes" right after it wrote a task state whose newest event has a given type:
/// every later write is dropped, as if the process had died there. A new runner restored from
/// `base` sees exactly what a restarted runtime would.
final class CrashingStore: StateStore {
    let base = MemoryStateStore()
    private let crashAfter: TaskEventType
    private let crashed = Mutex(false)

    init(crashAfter: TaskEventType) { self.crashAfter = crashAfter }

    var hasCrashed: Bool { crashed.withLock { $0 } }

    /// Runs `write` unless the crash happened; marks the crash after a write of the chosen event.
    private func write(_ state: TaskState?, _ body: () async throws(StateStoreError) -> Void) async throws(StateStoreError) {
        guard !hasCrashed else { return }
        try await body()
        if let state, state.events.last?.type == crashAfter { crashed.withLock { $0 = true } }
    }

    func putAllocation(_ allocation: Allocation) async throws(StateStoreError) {
        try await write(nil) { () throws(StateStoreError) in try await base.putAllocation(allocation) }
    }
    func allocations() async throws(StateStoreError) -> [Allocation] { try await base.allocations() }
    func deleteAllocation(id: String) async throws(StateStoreError) {
        try await write(nil) { () throws(StateStoreError) in try await base.deleteAllocation(id: id) }
    }
    func putTaskState(_ state: TaskState, allocID: String, task: String) async throws(StateStoreError) {
        try await write(state) { () throws(StateStoreError) in try await base.putTaskState(state, allocID: allocID, task: task) }
    }
    func taskState(allocID: String, task: String) async throws(StateStoreError) -> TaskState? {
        try await base.taskState(allocID: allocID, task: task)
    }
    func putLocalState(_ state: LocalState, allocID: String, task: String) async throws(StateStoreError) {
        try await write(nil) { () throws(StateStoreError) in try await base.putLocalState(state, allocID: allocID, task: task) }
    }
    func localState(allocID: String, task: String) async throws(StateStoreError) -> LocalState? {
        try await base.localState(allocID: allocID, task: task)
    }
    func putStates(_ taskState: TaskState, _ localState: LocalState, allocID: String, task: String) async throws(StateStoreError) {
        try await write(taskState) { () throws(StateStoreError) in
            try await base.putStates(taskState, localState, allocID: allocID, task: task)
        }
    }
}
