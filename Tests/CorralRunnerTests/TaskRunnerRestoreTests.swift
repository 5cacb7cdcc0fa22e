import Foundation
import CorralDriver
@testable import CorralRunner
import Testing

@Suite struct TaskRunnerRestoreTests {
    @Test func shutdownLeavesTheTaskRunningAndANewRunnerRestoresIt() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app")], type: .service)
        let first = try harness.runner(alloc)
        let running = Task { await first.run() }
        _ = await harness.waitFor { $0.state == .running }
        let id = try #require(await first.currentHandle?.id)
        await first.shutdown()
        await running.value
        #expect(try await harness.driver.inspect(id).state == .running)
        #expect(await first.taskState.state == .running)

        // A new runner over the same store and driver picks the task up again.
        let second = try harness.runner(alloc)
        try await second.restore()
        #expect(await second.currentHandle?.id == id)
        let resumed = Task { await second.run() }
        await second.kill()
        await resumed.value
        let state = await second.taskState
        #expect(harness.driver.started.count == 1, "the task was not started a second time")
        #expect(state.state == .dead)
        #expect(state.eventTypes == [.received, .setup, .started, .killing, .terminated, .killed])
    }

    @Test func taskThatExitedWhileNoRunnerExistedReportsItsTrueExit() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("150ms"), "exit_code": .integer(7)])], type: .batch,
                                   restart: policy(attempts: 0))
        let first = try harness.runner(alloc)
        let running = Task { await first.run() }
        _ = await harness.waitFor { $0.state == .running }
        let handle = try #require(await first.currentHandle)
        await first.shutdown()
        await running.value
        // A new runtime: a new driver instance knows the task only through its persisted handle.
        let freshDriver = RecordingDriver()
        _ = try await harness.driver.wait(handle.id)  // the task ends while no runner exists
        let second = try harness.runner(alloc, driver: freshDriver)
        try await second.restore()
        await second.run()
        let state = await second.taskState
        let terminated = try #require(state.events.last { $0.type == .terminated })
        #expect(terminated.exitCode == 7)
        #expect(state.state == .dead && state.failed)
        #expect(freshDriver.started.isEmpty)
    }

    @Test func unrecoverableHandleStartsTheTaskAnew() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app")], type: .service)
        let first = try harness.runner(alloc)
        let running = Task { await first.run() }
        _ = await harness.waitFor { $0.state == .running }
        await first.shutdown()
        await running.value
        // Corrupt the persisted handle: the driver cannot recover it.
        var local = try #require(try await harness.store.localState(allocID: alloc.id, task: "app"))
        local.driverHandle?.driverState = "{}"
        try await harness.store.putLocalState(local, allocID: alloc.id, task: "app")
        let freshDriver = RecordingDriver()
        let second = try harness.runner(alloc, driver: freshDriver)
        try await second.restore()
        let resumed = Task { await second.run() }
        _ = await harness.waitFor { $0.state == .running }
        #expect(freshDriver.started.map(\.id) == ["\(alloc.id)/app/1"], "a new run with a new id")
        let state = await second.taskState
        #expect(state.eventTypes.contains(.driverFailure))
        #expect(state.events.filter { $0.type == .setup }.count == 1, "the finished task_dir hook is not run again")
        await second.kill()
        await resumed.value
    }

    @Test func exitRecordedBeforeACrashIsDecidedNotRerun() async throws {
        // The runtime died after persisting `Terminated` and forgetting the handle, before deciding.
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app")], type: .batch)
        let clock = harness.clock
        var state = TaskState()
        state.append(.received(at: clock.now()))
        try state.transition(to: .running, at: clock.now())
        state.append(.started(at: clock.now()))
        state.append(.terminated(at: clock.now(), ExitResult(exitCode: 0)))
        try await harness.store.putTaskState(state, allocID: alloc.id, task: "app")
        try await harness.store.putLocalState(LocalState(hooks: ["task_dir": HookState(done: true)], runCount: 1),
                                              allocID: alloc.id, task: "app")
        let runner = try harness.runner(alloc)
        try await runner.restore()
        await runner.run()
        let restored = await runner.taskState
        #expect(harness.driver.started.isEmpty, "a batch task that exited 0 is not run again")
        #expect(restored.state == .dead && !restored.failed)
        #expect(restored.eventTypes == [.received, .started, .terminated])
    }

    @Test func killInterruptedByACrashIsFinishedOnRestore() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app")], type: .service)
        let first = try harness.runner(alloc)
        let running = Task { await first.run() }
        _ = await harness.waitFor { $0.state == .running }
        await first.shutdown()
        await running.value
        var local = try #require(try await harness.store.localState(allocID: alloc.id, task: "app"))
        local.killRequested = true
        try await harness.store.putLocalState(local, allocID: alloc.id, task: "app")
        let second = try harness.runner(alloc)
        try await second.restore()
        await second.run()
        let state = await second.taskState
        #expect(state.state == .dead)
        #expect(state.events.last?.type == .killed)
        #expect(harness.driver.started.count == 1)
    }

    @Test func restartCountAndDelaySurviveARestartOfTheRuntime() async throws {
        let harness = RunnerHarness(autoAdvance: false)
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(1)])],
                                   type: .service, restart: policy(attempts: 1, interval: .seconds(3600)))
        let first = try harness.runner(alloc)
        let running = Task { await first.run() }
        let delay = await harness.clock.nextSleep()  // in the restart delay after the first failure
        harness.clock.advance(by: .seconds(5))
        await first.shutdown()
        await running.value
        let second = try harness.runner(alloc)
        try await second.restore()
        let resumed = Task { await second.run() }
        // The new runtime waits out what was left of the delay, then starts.
        let remaining = await harness.clock.nextSleep()
        #expect(remaining > delay - .seconds(5) - .milliseconds(1) && remaining < delay - .seconds(5) + .milliseconds(1),
                "\(remaining) of \(delay)")
        #expect(harness.driver.started.count == 1)
        harness.clock.advance(by: remaining)
        await resumed.value
        // One restart was allowed and one was used before the restart of the runtime.
        #expect(harness.driver.started.count == 2)
        let state = await second.taskState
        #expect(state.events.last?.message == "Exceeded allowed attempts 1 in interval 1h0m0s and mode is \"fail\"")
        #expect(state.failed)
    }

    @Test func deadTaskStaysDead() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms")])], type: .batch)
        let first = try harness.runner(alloc)
        await first.run()
        let second = try harness.runner(alloc)
        try await second.restore()
        await second.run()
        #expect(harness.driver.started.count == 1)
        #expect(await second.taskState == first.taskState)
    }
}
