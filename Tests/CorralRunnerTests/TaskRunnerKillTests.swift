import Foundation
import CorralDriver
@testable import CorralRunner
import Testing

@Suite struct TaskRunnerKillTests {
    @Test func taskIgnoringTheSignalIsForceKilledAtKillTimeout() async throws {
        let harness = RunnerHarness()
        // The mock task takes 60 s to react to its signal: only the kill timeout ends it.
        let alloc = makeAllocation([mockTask("app", ["kill_after": .string("60s")], killTimeout: .milliseconds(300))],
                                   type: .service)
        let runner = try harness.runner(alloc)
        let running = Task { await runner.run() }
        _ = await harness.waitFor { $0.state == .running }
        let started = ContinuousClock.now
        await runner.kill()
        let took = ContinuousClock.now - started
        await running.value
        let state = await runner.taskState
        #expect(took >= .milliseconds(300) && took < .seconds(5), "\(took)")
        #expect(state.eventTypes.suffix(3) == [.killing, .terminated, .killed])
        #expect(state.events.first { $0.type == .killing }?.message == "Sent interrupt. Waiting 300ms before force killing")
        #expect(state.events.first { $0.type == .terminated }?.signal == 9)
        #expect(state.events.last?.message == "Task successfully killed")
        #expect(state.state == .dead && !state.failed)
        #expect(harness.driver.started.count == 1)
    }

    @Test func killTimeoutIsCappedByMaxKillTimeout() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", killTimeout: .seconds(3600))], type: .service)
        let runner = try harness.runner(alloc)
        let running = Task { await runner.run() }
        _ = await harness.waitFor { $0.state == .running }
        await runner.kill()
        await running.value
        let killing = try #require(await runner.taskState.events.first { $0.type == .killing })
        #expect(killing.killTimeout == .seconds(30))
        #expect(killing.message == "Sent interrupt. Waiting 30s before force killing")
    }

    @Test func failingStopIsRetriedWithBackoff() async throws {
        let harness = RunnerHarness(driver: RecordingDriver(stop: .fail(times: 3)))
        let runner = try harness.runner(makeAllocation([mockTask("app")], type: .service))
        let running = Task { await runner.run() }
        _ = await harness.waitFor { $0.state == .running }
        await runner.kill()
        await running.value
        #expect(harness.driver.stopCalls == 4)
        #expect(harness.clock.sleeps == [.seconds(5), .seconds(20), .seconds(80)])
        let state = await runner.taskState
        #expect(state.events.last?.type == .killed)
        #expect(state.state == .dead && !state.failed)
    }

    @Test func stopThatNeverSucceedsEndsDeadWithTheError() async throws {
        let harness = RunnerHarness(driver: RecordingDriver(stop: .fail(times: 1000)))
        let runner = try harness.runner(makeAllocation([mockTask("app")], type: .service))
        let running = Task { await runner.run() }
        _ = await harness.waitFor { $0.state == .running }
        await runner.kill()
        await running.value
        #expect(harness.driver.stopCalls == 5)
        #expect(harness.clock.sleeps == [.seconds(5), .seconds(20), .seconds(80), .seconds(120)])
        let state = await runner.taskState
        let last = try #require(state.events.last)
        #expect(last.type == .killing)
        #expect(last.details["kill_error"]?.contains("injected failure") == true)
        #expect(last.message.hasPrefix("Killing task failed after 5 attempts"))
        #expect(state.state == .dead && state.failed)
    }

    @Test func taskNotFoundCountsAsKilled() async throws {
        let harness = RunnerHarness(driver: RecordingDriver(stop: .notFound))
        let runner = try harness.runner(makeAllocation([mockTask("app")], type: .service))
        let running = Task { await runner.run() }
        _ = await harness.waitFor { $0.state == .running }
        await runner.kill()
        await running.value
        #expect(harness.driver.stopCalls == 1)
        #expect(harness.clock.sleeps.isEmpty)
        let state = await runner.taskState
        #expect(state.events.last?.type == .killed)
        #expect(state.state == .dead && !state.failed)
    }

    @Test func shutdownDelayIsObservedBeforeTheSignal() async throws {
        let harness = RunnerHarness(autoAdvance: false)
        let alloc = makeAllocation([mockTask("app", shutdownDelay: .seconds(7))], type: .service)
        let runner = try harness.runner(alloc)
        let running = Task { await runner.run() }
        _ = await harness.waitFor { $0.state == .running }
        let id = try #require(await runner.currentHandle?.id)
        let killing = Task { await runner.kill() }
        #expect(await harness.clock.nextSleep() == .seconds(7))
        // During the delay the task has had no signal yet.
        #expect(try harness.driver.mock.receivedSignals(id).isEmpty)
        #expect(harness.driver.stopCalls == 0)
        // Said as Nomad says it, after Killing and before the signal.
        let waiting = await runner.taskState.events.last
        #expect(waiting?.type == .waitingShutdownDelay)
        #expect(waiting?.message == "Waiting for shutdown_delay of 7s before killing the task.")
        #expect(await runner.taskState.events.suffix(2).first?.type == .killing)
        harness.clock.advance(by: .seconds(7))
        await killing.value
        await running.value
        #expect(harness.driver.stopCalls == 1)
        #expect(await runner.taskState.events.last?.type == .killed)
    }

    @Test func killDuringARestartDelayDoesNotStartAgain() async throws {
        let harness = RunnerHarness(autoAdvance: false)
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(1)])],
                                   type: .service, restart: policy(attempts: 5))
        let runner = try harness.runner(alloc)
        let running = Task { await runner.run() }
        let delay = await harness.clock.nextSleep()
        #expect(delay >= .seconds(15))
        await runner.kill()
        await running.value
        // Even once the delay would have passed, nothing starts.
        harness.clock.advance(by: .seconds(3600))
        #expect(harness.driver.started.count == 1)
        let state = await runner.taskState
        #expect(state.eventTypes.suffix(3) == [.restarting, .killing, .killed])
        #expect(state.state == .dead)
    }

    @Test func killBeforeRunMarksDeadWithoutStarting() async throws {
        let harness = RunnerHarness()
        let runner = try harness.runner(makeAllocation([mockTask("app")], type: .service))
        await runner.kill(reason: "job stopped")
        let state = await runner.taskState
        #expect(harness.driver.started.isEmpty)
        #expect(state.state == .dead)
        #expect(state.events.first { $0.type == .killing }?.message == "job stopped")
    }
}
