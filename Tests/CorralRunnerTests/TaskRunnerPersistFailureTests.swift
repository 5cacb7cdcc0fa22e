import CorralDriver
@testable import CorralRunner
import CorralRunnerTestSupport
import Foundation
import MetricsTestKit
import Synchronization
import Testing

/// A state store whose writes fail (as on a full disk) while `failing` says so: the runner must
/// retry, show the failure, and never act on a state it could not store.
final class FailingWritesStore: StateStore {
    let base = MemoryStateStore()
    /// Writes are numbered from 1; those `failing` returns true for fail (with the task state written).
    private let rule: @Sendable (Int, TaskState?) -> Bool
    private let writes = Mutex(0)
    private let failures = Mutex(0)

    init(failing rule: @escaping @Sendable (Int) -> Bool) { self.rule = { number, _ in rule(number) } }
    init(failingStates rule: @escaping @Sendable (Int, TaskState?) -> Bool) { self.rule = rule }

    var failedWrites: Int { failures.withLock { $0 } }

    private func write(_ state: TaskState? = nil, _ body: () async throws(StateStoreError) -> Void) async throws(StateStoreError) {
        let number = writes.withLock { $0 += 1; return $0 }
        if rule(number, state) {
            failures.withLock { $0 += 1 }
            throw .io(path: "/test/state.db", operation: "commit", reason: "No space left on device")
        }
        try await body()
    }

    func putAllocation(_ allocation: Allocation) async throws(StateStoreError) {
        try await write { () throws(StateStoreError) in try await base.putAllocation(allocation) }
    }
    func allocations() async throws(StateStoreError) -> [Allocation] { try await base.allocations() }
    func deleteAllocation(id: String) async throws(StateStoreError) {
        try await write { () throws(StateStoreError) in try await base.deleteAllocation(id: id) }
    }
    func putTaskState(_ state: TaskState, allocID: String, task: String) async throws(StateStoreError) {
        try await write(state) { () throws(StateStoreError) in try await base.putTaskState(state, allocID: allocID, task: task) }
    }
    func taskState(allocID: String, task: String) async throws(StateStoreError) -> TaskState? {
        try await base.taskState(allocID: allocID, task: task)
    }
    func putLocalState(_ state: LocalState, allocID: String, task: String) async throws(StateStoreError) {
        try await write { () throws(StateStoreError) in try await base.putLocalState(state, allocID: allocID, task: task) }
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

@Suite final class TaskRunnerPersistFailureTests {
    /// The allocation root of this test's runners, removed with the test (one instance per test).
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("corral-persist-\(UUID().uuidString)").path

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func runner(_ alloc: Allocation, driver: RecordingDriver, store: any StateStore,
                onStateChange: @escaping @Sendable (String, TaskState) async -> Void = { _, _ in }) throws -> TaskRunner {
        try TaskRunner(allocation: alloc, taskName: "app", driver: driver, store: store, clock: ManualClock(autoAdvance: true),
                              config: RunnerConfig(allocRoot: root, statsInterval: .seconds(3600), restartSeed: 1),
                              taskDirBuilder: PlainTaskDirBuilder(), metricsFactory: TestMetrics(), onStateChange: onStateChange)
    }

    /// Three failed writes from any point of a batch task's life: retried until stored, shown as one
    /// `State Persist Failed` event, and the task ran once with its true exit code.
    @Test(arguments: 1...9)
    func failedWritesAreRetriedShownAndNeverRunTheTaskTwice(_ firstFailing: Int) async throws {
        let store = FailingWritesStore { (firstFailing..<firstFailing + 3).contains($0) }
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(7)])], type: .batch,
                                   restart: policy(attempts: 0))
        let driver = RecordingDriver()
        let runner = try runner(alloc, driver: driver, store: store)
        await runner.run()

        #expect(driver.started.count == 1, "the task ran \(driver.started.count) times")
        let stored = try #require(try await store.base.taskState(allocID: alloc.id, task: "app"))
        #expect(stored.state == .dead && stored.failed)
        let terminated = stored.events.filter { $0.type == .terminated }
        #expect(terminated.map(\.exitCode) == [7], "\(stored.eventTypes)")
        if store.failedWrites > 0 {
            #expect(stored.events.filter { $0.type == .statePersistFailed }.count == 1, "\(stored.eventTypes)")
            #expect(await runner.lastPersistenceError != nil)
        }
        #expect(await runner.persistenceFailing == false)
        let local = try #require(try await store.base.localState(allocID: alloc.id, task: "app"))
        #expect(local.runCount == 1)
    }

    /// A store that fails for good from any write on, then a shutdown: the runner stops retrying and
    /// has never started a run whose run count is not stored (the next runtime would not know it).
    @Test(arguments: 1...8)
    func aRunIsNeverStartedWithoutItsRecord(_ firstFailing: Int) async throws {
        let store = FailingWritesStore { $0 >= firstFailing }
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1h")])], type: .service)
        let driver = RecordingDriver()
        let (stream, continuation) = AsyncStream.makeStream(of: TaskState.self)
        let runner = try runner(alloc, driver: driver, store: store) { _, state in continuation.yield(state) }
        let running = Task { await runner.run() }
        for await state in stream where state.events.last?.type == .statePersistFailed || state.state == .running { break }
        await runner.shutdown()
        await running.value

        let storedRuns = try await store.base.localState(allocID: alloc.id, task: "app")?.runCount ?? 0
        #expect(driver.started.count <= storedRuns, "started \(driver.started.count) runs, stored \(storedRuns)")
        for handle in driver.started { try? await driver.destroy(handle.id, force: true) }
    }

    /// The exit of a batch task cannot be stored (the disk is full from then on) and the runtime goes
    /// away: the next runtime takes the exit from the driver (the supervisor's exit.json) and reports
    /// it once, truthfully, without running the task again.
    @Test func anExitThatCouldNotBeStoredIsTakenFromTheDriverNotRunAgain() async throws {
        let store = FailingWritesStore { _, state in state?.events.contains { $0.type == .terminated } ?? false }
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(7)])], type: .batch,
                                   restart: policy(attempts: 0))
        let driver = RecordingDriver()
        let (stream, continuation) = AsyncStream.makeStream(of: TaskState.self)
        let first = try runner(alloc, driver: driver, store: store) { _, state in continuation.yield(state) }
        let running = Task { await first.run() }
        for await state in stream where state.events.contains(where: { $0.type == .statePersistFailed }) { break }
        await first.shutdown()
        await running.value
        let stored = try #require(try await store.base.taskState(allocID: alloc.id, task: "app"))
        #expect(!stored.events.contains { $0.type == .terminated }, "the exit was stored after all")

        let secondDriver = RecordingDriver()
        let second = try runner(alloc, driver: secondDriver, store: store.base)
        try await second.restore()
        await second.run()
        let state = await second.taskState
        #expect(secondDriver.started.isEmpty, "the task ran again")
        #expect(state.events.filter { $0.type == .terminated }.map(\.exitCode) == [7], "\(state.eventTypes)")
        #expect(state.state == .dead && state.failed)
    }
}
