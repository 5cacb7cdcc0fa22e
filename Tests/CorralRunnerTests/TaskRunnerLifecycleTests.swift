import Foundation
import CorralDriver
@testable import CorralRunner
import Testing
import Synchronization

@Suite struct TaskRunnerLifecycleTests {
    @Test func normalBatchRunEvents() async throws {
        let harness = RunnerHarness()
        let runner = try harness.runner(makeAllocation([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(0)])]))
        await runner.run()
        let state = await runner.taskState
        #expect(state.eventTypes == [.received, .setup, .started, .terminated])
        #expect(state.events.map(\.message) == ["Task received by client", "Building Task Directory",
                                                "Task started by client", "Exit Code: 0"])
        #expect(state.state == .dead)
        #expect(!state.failed)
        #expect(state.restarts == 0)
        #expect(state.startedAt != nil && state.finishedAt != nil)
        #expect(harness.driver.started.count == 1)
        // Persisted, not only held.
        let stored = try await harness.store.taskState(allocID: runner.allocID, task: "app")
        #expect(stored == state)
        // The run's driver task is gone and its handle forgotten.
        let local = try await harness.store.localState(allocID: runner.allocID, task: "app")
        #expect(local?.driverHandle == nil)
        #expect(local?.runCount == 1)
        #expect(local?.hooks["task_dir"]?.done == true)
        #expect(harness.announcedBeforePersisted == 0)
    }

    @Test func failingExitShowsCodeAndSignal() async throws {
        let harness = RunnerHarness()
        let alloc = makAllocationNoRestart([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(3),
                                                             "exit_err_msg": .string("boom")])])
        let runner = try harness.runner(alloc)
        await runner.run()
        let state = await runner.taskState
        let terminated = try #require(state.events.first { $0.type == .terminated })
        #expect(terminated.message == "Exit Code: 3, Exit Message: \"boom\"")
        #expect(terminated.exitCode == 3)
        #expect(state.events.last?.message == "Policy allows no restarts")
        #expect(state.failed)
    }

    @Test func restartPolicyFailModeStartsExactlyAttemptsPlusOne() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(1)])],
                                   type: .service, restart: policy(attempts: 2, interval: .seconds(1800)))
        let runner = try harness.runner(alloc)
        await runner.run()
        let state = await runner.taskState
        #expect(harness.driver.started.count == 3)
        #expect(harness.driver.started.map(\.id) == (0..<3).map { "\(alloc.id)/app/\($0)" })
        #expect(state.state == .dead && state.failed)
        #expect(state.restarts == 2)
        let last = try #require(state.events.last)
        #expect(last.type == .notRestarting)
        #expect(last.message == "Exceeded allowed attempts 2 in interval 30m0s and mode is \"fail\"")
        #expect(last.failsTask)
        // Two restart delays of 15 s plus at most 25% jitter, slept on the runner's clock.
        let delays = harness.clock.sleeps
        #expect(delays.count == 2)
        #expect(delays.allSatisfy { $0 >= .seconds(15) && $0 <= .milliseconds(18_750) })
        let restarting = state.events.filter { $0.type == .restarting }
        #expect(restarting.count == 2)
        #expect(restarting.allSatisfy { $0.message.hasPrefix("Task restarting in 1") })
        #expect(restarting.map { $0.restartDelay } == delays.map { Optional($0) })
    }

    @Test func serviceExitZeroRestartsBatchDoesNot() async throws {
        let service = RunnerHarness()
        let serviceRunner = try service.runner(makeAllocation([mockTask("app", ["run_for": .string("1ms")])], type: .service,
                                                              restart: policy(attempts: 1)))
        await serviceRunner.run()
        #expect(service.driver.started.count == 2)
        #expect(await serviceRunner.taskState.failed)

        let batch = RunnerHarness()
        let batchRunner = try batch.runner(makeAllocation([mockTask("app", ["run_for": .string("1ms")])], type: .batch,
                                                          restart: policy(attempts: 1)))
        await batchRunner.run()
        #expect(batch.driver.started.count == 1)
        #expect(!(await batchRunner.taskState.failed))
    }

    @Test func delayModeWaitsOutTheInterval() async throws {
        let harness = RunnerHarness(autoAdvance: false)
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(1)])],
                                   type: .service, restart: policy(attempts: 1, interval: .seconds(600), delay: .seconds(15), mode: .delay))
        let runner = try harness.runner(alloc)
        let running = Task { await runner.run() }
        let first = await harness.clock.nextSleep()
        #expect(first >= .seconds(15) && first <= .milliseconds(18_750))
        harness.clock.advance(by: first)
        // Second failure exceeds the attempts: the delay is what is left of the 10 min interval.
        let second = await harness.clock.nextSleep()
        // (Wall-clock arithmetic in Date: equal to well under a millisecond.)
        let expected = .seconds(600) - first
        #expect(second > expected - .milliseconds(1) && second < expected + .milliseconds(1), "\(second) vs \(expected)")
        let state = await runner.taskState
        #expect(state.events.last?.message == "Exceeded allowed attempts, applying a delay - Task restarting in \(GoDuration.format(second))")
        harness.clock.advance(by: second)
        // A new interval: an ordinary delay again, and a third start happened.
        let third = await harness.clock.nextSleep()
        #expect(third >= .seconds(15) && third <= .milliseconds(18_750))
        #expect(harness.driver.started.count == 3)
        await runner.kill()
        await running.value
        #expect(await runner.taskState.state == .dead)
    }

    @Test func unrecoverableStartErrorIsNotRestarted() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", ["start_error": .string("no such image")])], type: .service)
        let runner = try harness.runner(alloc)
        await runner.run()
        let state = await runner.taskState
        #expect(state.eventTypes == [.received, .setup, .driverFailure, .notRestarting])
        #expect(state.events[2].message == "cannot start task: no such image")
        #expect(state.events[3].message == "Error was unrecoverable")
        #expect(state.failed)
        #expect(harness.driver.started.count == 1)
    }

    @Test func recoverableStartErrorGoesThroughThePolicy() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", ["start_error": .string("busy"), "start_error_recoverable": .bool(true)])],
                                   type: .service, restart: policy(attempts: 2))
        let runner = try harness.runner(alloc)
        await runner.run()
        #expect(harness.driver.started.count == 3)
        #expect(await runner.taskState.events.last?.type == .notRestarting)
    }

    @Test func failingPrestartHookIsASetupFailureThroughThePolicy() async throws {
        struct Broken: TaskPrestartHook {
            let name = "artifacts"
            func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
                throw HookFailure("download failed", recoverable: true)
            }
        }
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms")])], type: .service, restart: policy(attempts: 1))
        let runner = try harness.runner(alloc, hooks: [Broken()])
        await runner.run()
        let state = await runner.taskState
        let failures = state.events.filter { $0.type == .setupFailure }
        #expect(failures.count == 2)
        #expect(failures.first?.message == "prestart hook \"artifacts\" failed: download failed")
        #expect(failures.first?.details["hook"] == "artifacts")
        #expect(harness.driver.started.isEmpty)
        #expect(state.failed)
    }

    @Test func invalidDriverConfigFailsValidationWithoutRestart() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", ["run_for": .bool(true)])], type: .service)
        let runner = try harness.runner(alloc)
        await runner.run()
        let state = await runner.taskState
        #expect(state.eventTypes == [.received, .failedValidation, .notRestarting])
        #expect(state.events[1].message.contains("run_for"))
        #expect(harness.driver.started.isEmpty)
        // Nothing was made on disk.
        #expect(!FileManager.default.fileExists(atPath: harness.root + "/" + alloc.id))
    }

    @Test func eventsAreCappedAtTheTenNewest() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(1)])],
                                   type: .service, restart: policy(attempts: 6, interval: .seconds(3600), delay: .seconds(1)))
        let runner = try harness.runner(alloc)
        await runner.run()
        let state = await runner.taskState
        #expect(state.events.count == 10)
        #expect(state.restarts == 6)
        #expect(state.events.last?.type == .notRestarting)
        #expect(!state.eventTypes.contains(.received), "the oldest events are dropped")
    }

    @Test func userRestartDoesNotCountAgainstThePolicy() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app")], type: .service, restart: policy(attempts: 0))
        let runner = try harness.runner(alloc)
        let running = Task { await runner.run() }
        _ = await harness.waitFor { $0.state == .running }
        try await runner.restart(reason: "config changed")
        _ = await harness.waitFor { $0.state == .running && $0.restarts == 1 }
        #expect(harness.driver.started.count == 2)
        let state = await runner.taskState
        #expect(state.eventTypes.contains(.restartSignaled))
        #expect(state.events.first { $0.type == .restartSignaled }?.message == "config changed")
        #expect(!state.failed)
        await runner.kill()
        await running.value
        #expect(await runner.taskState.state == .dead)
    }

    @Test func signalReachesTheTask() async throws {
        let harness = RunnerHarness()
        let runner = try harness.runner(makeAllocation([mockTask("app")], type: .service))
        let running = Task { await runner.run() }
        _ = await harness.waitFor { $0.state == .running }
        try await runner.signal("SIGHUP", reason: "reload")
        let id = try #require(await runner.currentHandle?.id)
        #expect(try harness.driver.mock.receivedSignals(id) == [1])
        #expect(await runner.taskState.events.last?.message == "Task being sent signal SIGHUP: reload")
        await #expect(throws: TaskRunnerError.invalidSignal("SIGNOPE")) { try await runner.signal("SIGNOPE") }
        let exec = try await runner.exec(["echo", "hi"], timeout: .seconds(1))
        #expect(String(decoding: exec.stdout, as: UTF8.self) == "echo hi\n")
        await runner.kill()
        await running.value
        await #expect(throws: TaskRunnerError.notRunning(task: "app")) { try await runner.signal("SIGHUP") }
    }

    @Test func updatesAreCoalescedAndRunSerially() async throws {
        final class SlowUpdate: TaskUpdateHook {
            let name = "slow"
            let gate = OneShot<Void>()
            let seen = Mutex<[Int]>([])
            let firstArrived = OneShot<Void>()
            let secondArrived = OneShot<Void>()
            func update(allocation: Allocation, context: TaskHookContext) async throws {
                let count = seen.withLock { $0.append(allocation.index); return $0.count }
                (count == 1 ? firstArrived : secondArrived).resolve(())
                await gate.value()
            }
        }
        let hook = SlowUpdate()
        let harness = RunnerHarness()
        var alloc = makeAllocation([mockTask("app")], type: .service)
        let runner = try harness.runner(alloc, hooks: [hook])
        for index in 10..<14 {
            alloc.index = index
            await runner.update(alloc)
            if index == 10 { await hook.firstArrived.value() }
        }
        hook.gate.resolve(())
        // The first update ran; of the three that arrived while it ran, only the newest follows.
        await hook.secondArrived.value()
        #expect(hook.seen.withLock { $0 } == [10, 13])
    }
}

private func makAllocationNoRestart(_ tasks: [TaskSpec]) -> Allocation {
    makeAllocation(tasks, type: .service, restart: policy(attempts: 0))
}
