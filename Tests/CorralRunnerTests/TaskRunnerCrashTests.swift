import Foundation
import CorralDriver
@testable import CorralRunner
import CorralRunnerTestSupport
import MetricsTestKit
import Testing

/// A runtime that dies right after any persisted transition comes back to the right outcome: no
/// run lost, none started twice, no exit reported twice, the restart count kept.
@Suite struct TaskRunnerCrashTests {
    static let crashPoints: [TaskEventType] = [.received, .setup, .started, .terminated, .restarting, .notRestarting]

    @Test(arguments: crashPoints)
    func crashAfterEachTransition(_ crashAfter: TaskEventType) async throws {
        let store = CrashingStore(crashAfter: crashAfter)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("corral-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms"), "exit_code": .integer(1)])],
                                   type: .service, restart: policy(attempts: 1, interval: .seconds(3600), delay: .seconds(1)))
        let config = RunnerConfig(allocRoot: root, statsInterval: .seconds(3600), restartSeed: 1)
        func runner(_ driver: RecordingDriver) throws -> TaskRunner {
            try TaskRunner(allocation: alloc, taskName: "app", driver: driver, store: store, clock: ManualClock(autoAdvance: true),
                           config: config, taskDirBuilder: PlainTaskDirBuilder(), metricsFactory: TestMetrics())
        }
        // The first runtime runs to its end in memory; only what it wrote before the crash counts.
        let firstDriver = RecordingDriver()
        await (try runner(firstDriver)).run()
        #expect(store.hasCrashed)
        let persistedStarts = try await store.base.localState(allocID: alloc.id, task: "app")?.runCount ?? 0

        // The second runtime: a new driver instance, the same store.
        let secondDriver = RecordingDriver()
        let second = try runner(secondDriver)
        try await second.restore()
        await second.run()
        let state = await second.taskState
        let terminated = state.events.filter { $0.type == .terminated }
        #expect(persistedStarts + secondDriver.started.count == 2, "two runs in all (\(crashAfter))")
        #expect(state.events.filter { $0.type == .started }.count == 2)
        #expect(terminated.count == 2)
        #expect(Set(terminated.compactMap { $0.details["task_id"] }).count == 2, "each exit once")
        #expect(state.restarts == 1)
        #expect(state.state == .dead && state.failed)
        #expect(state.events.last?.message == "Exceeded allowed attempts 1 in interval 1h0m0s and mode is \"fail\"")
    }
}

@Suite struct TaskRunnerRaceTests {
    @Test func killAfterShutdownStillKills() async throws {
        let harness = RunnerHarness()
        let runner = try harness.runner(makeAllocation([mockTask("app")], type: .service))
        let running = Task { await runner.run() }
        _ = await harness.waitFor { $0.state == .running }
        let id = try #require(await runner.currentHandle?.id)
        await runner.shutdown()
        await running.value
        await runner.kill()
        #expect(harness.driver.stopCalls == 1)
        // Stopped, then destroyed: the driver no longer knows the run.
        await #expect(throws: DriverError.taskNotFound(id: id)) { try await harness.driver.inspect(id) }
        let state = await runner.taskState
        #expect(state.state == .dead)
        #expect(state.eventTypes.suffix(3) == [.killing, .terminated, .killed])
    }

    @Test func killDuringPrestartIsNotAFailure() async throws {
        final class Blocking: TaskPrestartHook {
            let name = "blocking"
            let entered = OneShot<Void>()
            let gate = OneShot<Void>()
            func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
                entered.resolve(())
                await gate.value()
                throw HookFailure("interrupted", recoverable: true)
            }
        }
        let hook = Blocking()
        let harness = RunnerHarness()
        let runner = try harness.runner(makeAllocation([mockTask("app")], type: .service), hooks: [hook])
        let running = Task { await runner.run() }
        await hook.entered.value()
        let killing = Task { await runner.kill() }
        _ = await harness.waitFor { $0.events.last?.type == .killing }
        hook.gate.resolve(())
        await killing.value
        await running.value
        let state = await runner.taskState
        #expect(state.state == .dead && !state.failed)
        #expect(!state.eventTypes.contains(.notRestarting) && !state.eventTypes.contains(.restarting))
        #expect(state.events.last?.type == .killed)
        #expect(harness.driver.started.isEmpty)
    }

    /// A hook that waits (a download, a template's data) is cancelled by a kill, as a Nomad hook's
    /// context is: the kill does not wait for it, and nothing is recorded as a setup failure.
    @Test func aKillCancelsAPrestartHookThatWaits() async throws {
        final class Waiting: TaskPrestartHook {
            let name = "waiting"
            let entered = OneShot<Void>()
            let sawCancellation = OneShot<Bool>()
            func prestart(_ request: PrestartRequest, context: TaskHookContext) async throws -> PrestartResponse {
                entered.resolve(())
                do { try await Task.sleep(for: .seconds(3600)) } catch {
                    sawCancellation.resolve(context.isCancelled)
                    throw error
                }
                sawCancellation.resolve(false)
                return PrestartResponse()
            }
        }
        for ending in ["kill", "shutdown"] {
            let hook = Waiting()
            let harness = RunnerHarness()
            let runner = try harness.runner(makeAllocation([mockTask("app")], type: .service), hooks: [hook])
            let running = Task { await runner.run() }
            await hook.entered.value()
            // Returns only because the hour-long wait was cut short.
            if ending == "kill" { await runner.kill() } else { await runner.shutdown() }
            await running.value
            #expect(await hook.sawCancellation.value(), "\(ending)")
            let state = await runner.taskState
            #expect(!state.eventTypes.contains(.setupFailure), "\(ending): \(state.eventTypes)")
            #expect(harness.driver.started.isEmpty, "\(ending)")
            if ending == "kill" {
                #expect(state.state == .dead && !state.failed && state.events.last?.type == .killed, "\(state.eventTypes)")
            } else {
                #expect(state.state != .dead, "a shutdown leaves the task to the next runner")
            }
        }
    }

    @Test func hugePolicyValuesAreRefusedNotACrash() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("1ms")])], type: .service,
                                   restart: RestartPolicy(attempts: Int.max / 2, interval: .seconds(3600 * 24 * 365 * 200),
                                                          delay: .seconds(3600 * 2_500_000), mode: .delay))
        let runner = try harness.runner(alloc)
        await runner.run()
        let state = await runner.taskState
        let validation = try #require(state.events.first { $0.type == .failedValidation })
        #expect(validation.message.contains("restart.attempts: at most 1000000"))
        #expect(validation.message.contains("restart.delay: at most 1 year"))
        #expect(state.state == .dead && state.failed)
    }
}
