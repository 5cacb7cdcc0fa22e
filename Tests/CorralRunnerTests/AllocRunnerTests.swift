import Foundation
import CorralDriver
@testable import CorralRunner
import CorralRunnerTestSupport
import MetricsTestKit
import Testing

@Suite struct AllocRunnerTests {
    func allocRunner(_ harness: RunnerHarness, _ allocation: Allocation) throws -> AllocRunner {
        try AllocRunner(allocation: allocation, drivers: ["mock": harness.driver], store: harness.store, clock: harness.clock,
                        config: harness.config, taskDirBuilder: PlainTaskDirBuilder(), metricsFactory: harness.metrics)
    }

    @Test func leaderDeathKillsTheOthers() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("main", ["run_for": .string("20ms")], leader: true),
                                    mockTask("sidecar"), mockTask("logger")], type: .batch)
        let runner = try allocRunner(harness, alloc)
        try await runner.run()
        let status = await runner.status
        #expect(status.clientStatus == .complete)
        #expect(status.description == "All tasks have completed")
        for name in ["sidecar", "logger"] {
            let state = try #require(status.taskStates[name])
            #expect(state.state == .dead && !state.failed)
            #expect(state.eventTypes.suffix(4) == [.leaderDead, .killing, .terminated, .killed], "\(name)")
            #expect(state.events.first { $0.type == .leaderDead }?.message == "Leader Task in Group dead")
        }
        #expect(status.taskStates["main"]?.eventTypes.contains(.killing) == false)
    }

    @Test func failedTaskKillsItsSiblings() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("db", ["run_for": .string("10ms"), "exit_code": .integer(2)]),
                                    mockTask("web")], type: .service, restart: policy(attempts: 0))
        let runner = try allocRunner(harness, alloc)
        try await runner.run()
        let status = await runner.status
        #expect(status.clientStatus == .failed)
        #expect(status.description == "Failed tasks")
        let web = try #require(status.taskStates["web"])
        #expect(web.state == .dead && !web.failed)
        #expect(web.events.first { $0.type == .siblingFailed }?.message == "Task's sibling \"db\" failed")
        #expect(web.events.last?.type == .killed)
    }

    @Test func statusSummarisesTasks() {
        let running = TaskState(state: .running)
        let pending = TaskState(state: .pending)
        let done = TaskState(state: .dead)
        let failed = TaskState(state: .dead, failed: true)
        #expect(AllocStatus(taskStates: ["a": running, "b": pending]).clientStatus == .running)
        #expect(AllocStatus(taskStates: ["a": pending, "b": done]).clientStatus == .pending)
        #expect(AllocStatus(taskStates: ["a": done, "b": done]).clientStatus == .complete)
        #expect(AllocStatus(taskStates: ["a": failed, "b": running]).clientStatus == .failed)
    }

    @Test func unknownDriverIsRefusedBeforeAnythingStarts() throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("a"), TaskSpec(name: "b", driver: "docker")])
        #expect(throws: TaskRunnerError.unknownDriver(task: "b", driver: "docker")) { try allocRunner(harness, alloc) }
        #expect(harness.store.writeCount == 0)
    }

    @Test func shutdownAndRestoreOfAWholeAllocation() async throws {
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("a"), mockTask("b")], type: .service)
        let first = try allocRunner(harness, alloc)
        let running = Task { try await first.run() }
        var seen = Set<String>()
        for await update in first.updates where update.state.state == .running {
            seen.insert(update.task)
            if seen.count == 2 { break }
        }
        await first.shutdown()
        try await running.value
        #expect(try await harness.store.allocations().map(\.id) == [alloc.id])

        let stored = try #require(try await harness.store.allocations().first)
        let second = try allocRunner(harness, stored)
        try await second.restore()
        #expect(await second.status.clientStatus == .running)
        let resumed = Task { try await second.run() }
        try await second.destroy()
        try await resumed.value
        #expect(harness.driver.started.count == 2)
        #expect(try await harness.store.allocations().isEmpty)
        #expect(try await harness.store.taskState(allocID: alloc.id, task: "a") == nil)
        #expect(!FileManager.default.fileExists(atPath: harness.root + "/" + alloc.id))
    }

    /// A directory that cannot be removed (a mount left in it, say) does not keep the allocation
    /// alive: its stored state goes all the same, so it does not come back at the next start, and
    /// the directory left behind is reported.
    @Test func aDestroyWhoseDirectoryStaysStillForgetsTheAllocation() async throws {
        struct StuckDirectory: TaskDirBuilder {
            func build(_ directory: TaskDirectory) async throws { try await PlainTaskDirBuilder().build(directory) }
            func destroy(allocDir: String) async throws { throw CancellationError() }
        }
        let harness = RunnerHarness()
        let alloc = makeAllocation([mockTask("a", ["run_for": .string("10ms")])], type: .batch)
        let runner = try AllocRunner(allocation: alloc, drivers: ["mock": harness.driver], store: harness.store, clock: harness.clock,
                                     config: harness.config, taskDirBuilder: StuckDirectory(), metricsFactory: harness.metrics)
        try await runner.run()
        #expect(try await harness.store.allocations().map(\.id) == [alloc.id])
        await #expect(throws: AllocDirectoryLeft.self) { try await runner.destroy() }
        #expect(try await harness.store.allocations().isEmpty)
        #expect(try await harness.store.taskState(allocID: alloc.id, task: "a") == nil)
    }

    @Test func aFailedStoreEndsRunAndItsUpdates() async throws {
        final class RefusingStore: StateStore {
            let base = MemoryStateStore()
            func putAllocation(_ allocation: Allocation) async throws(StateStoreError) {
                throw .io(path: "/nowhere/state.db", operation: "put allocation", reason: "disk full")
            }
            func allocations() async throws(StateStoreError) -> [Allocation] { try await base.allocations() }
            func deleteAllocation(id: String) async throws(StateStoreError) { try await base.deleteAllocation(id: id) }
            func putTaskState(_ state: TaskState, allocID: String, task: String) async throws(StateStoreError) {}
            func taskState(allocID: String, task: String) async throws(StateStoreError) -> TaskState? { nil }
            func putLocalState(_ state: LocalState, allocID: String, task: String) async throws(StateStoreError) {}
            func localState(allocID: String, task: String) async throws(StateStoreError) -> LocalState? { nil }
            func putStates(_ taskState: TaskState, _ localState: LocalState, allocID: String, task: String)
                async throws(StateStoreError) {}
        }
        let harness = RunnerHarness()
        let runner = try AllocRunner(allocation: makeAllocation([mockTask("a")]), drivers: ["mock": harness.driver],
                                     store: RefusingStore(), clock: harness.clock, config: harness.config,
                                     taskDirBuilder: PlainTaskDirBuilder(), metricsFactory: harness.metrics)
        await #expect(throws: StateStoreError.io(path: "/nowhere/state.db", operation: "put allocation", reason: "disk full")) {
            try await runner.run()
        }
        var updates = 0
        for await _ in runner.updates { updates += 1 }  // ends: nothing waits forever
        #expect(updates == 0)
        #expect(harness.driver.started.isEmpty)
    }

    @Test func stopUpdateKillsTheTasks() async throws {
        let harness = RunnerHarness()
        var alloc = makeAllocation([mockTask("a")], type: .service)
        let runner = try allocRunner(harness, alloc)
        let running = Task { try await runner.run() }
        for await update in runner.updates where update.state.state == .running { break }
        alloc.desiredStatus = .stop
        try await runner.update(alloc)
        try await running.value
        let state = try #require(await runner.status.taskStates["a"])
        #expect(state.state == .dead)
        #expect(state.events.first { $0.type == .killing }?.message == "allocation stopped")
        #expect(try await harness.store.allocations().first?.desiredStatus == .stop)
    }
}

@Suite struct RunnerMetricsTests {
    @Test func countersAndGaugesCarryTheTaskLabels() async throws {
        let harness = RunnerHarness(driver: RecordingDriver(oomOnExit: true))
        let alloc = makeAllocation([mockTask("app", ["run_for": .string("150ms"), "exit_code": .integer(137)])],
                                   type: .service, restart: policy(attempts: 1))
        let runner = try harness.runner(alloc)
        await runner.run()
        let labels = [("job", "shop"), ("task_group", "web"), ("alloc_id", alloc.id), ("task", "app")]
        let metrics = harness.metrics
        func counter(_ name: String) throws -> Int64 {
            try metrics.expectCounter("corral_client_allocs_" + name, labels).totalValue
        }
        #expect(try counter("running") == 2)
        #expect(try counter("restart") == 1)
        #expect(try counter("oom_killed") == 2)
        #expect(try counter("failed") == 1)
        #expect(try counter("complete") == 0)
        // The mock reports 1 MiB resident every 5 ms while the task runs.
        let rss = try metrics.expectGauge("corral_client_allocs_memory_rss", labels)
        #expect(rss.lastValue == Double(1 << 20))
        let cpu = try metrics.expectGauge("corral_client_allocs_cpu_total_percent", labels)
        #expect((cpu.lastValue ?? 0) > 0)
        // OOM kills are reported as events too.
        let state = await runner.taskState
        #expect(state.events.contains { $0.type == .oomKilled && $0.message == "Task killed by the OOM killer (memory limit 300 MiB)" })
        #expect(state.events.first { $0.type == .terminated }?.message == "Exit Code: 137, OOM Killed: true")
    }
}

@Suite struct RunnerEnvironmentTests {
    @Test func driverGetsTheEnvironmentAndInterpolatedConfig() async throws {
        let harness = RunnerHarness()
        let task = mockTask("app", ["run_for": .string("1ms"),
                                    "args": .list([.string("${NOMAD_TASK_DIR}/run.sh"), .string("--node=${node.unique.name}"),
                                                   .string("--x=${env.X}"), .string("${nope.key}")])],
                            env: ["X": "${attr.kernel.name}-${meta.rack}"])
        let alloc = makeAllocation([task])
        let runner = try harness.runner(alloc)
        await runner.run()
        let started = try #require(harness.driver.started.first)
        let dir = TaskDirectory(allocRoot: harness.root, allocID: alloc.id, task: "app")
        #expect(started.driverConfig["args"] == .list([.string(dir.localDir + "/run.sh"), .string("--node=host-a"),
                                                       .string("--x=linux-r12"), .string("${nope.key}")]))
        #expect(started.env["X"] == "linux-r12")
        #expect(started.env["NOMAD_TASK_DIR"] == dir.localDir, "the mock does not isolate files: host paths")
        #expect(started.env["NOMAD_ALLOC_DIR"] == dir.sharedDir)
        #expect(started.env["NOMAD_SECRETS_DIR"] == dir.secretsDir)
        #expect(started.env["NOMAD_ALLOC_ID"] == alloc.id)
        #expect(started.env["NOMAD_SHORT_ALLOC_ID"] == "a1b2c3d4")
        #expect(started.env["NOMAD_ALLOC_NAME"] == "shop.web[2]")
        #expect(started.env["NOMAD_ALLOC_INDEX"] == "2")
        #expect(started.env["NOMAD_TASK_NAME"] == "app")
        #expect(started.env["NOMAD_GROUP_NAME"] == "web")
        #expect(started.env["NOMAD_JOB_NAME"] == "shop")
        #expect(started.env["NOMAD_JOB_ID"] == "shop")
        #expect(started.env["NOMAD_DC"] == "dc7")
        #expect(started.env["NOMAD_REGION"] == "eu", "a job of the default region runs in the node's, as Nomad's agent registers it")
        #expect(started.env["NOMAD_MEMORY_LIMIT"] == "300")
        #expect(started.env["NOMAD_CPU_LIMIT"] == "100")
        #expect(started.env["NOMAD_META_owner"] == "ops")
        #expect(started.env["NOMAD_META_TIER"] == "front")
        // The resources in the driver's units; 100 MHz of a 4000 MHz node.
        #expect(started.resources.memoryLimitBytes == 300 << 20)
        #expect(started.resources.cpuShares == 100)
        #expect(started.resources.percentTicks == 0.025)
        #expect(started.stdoutPath == dir.logDir + "/app.stdout")
        // The unknown key is reported once, left as written.
        let warnings = await runner.taskState.events.filter { $0.type == .hookWarning }
        #expect(warnings.map(\.message) == ["Unknown interpolation keys left as written: ${nope.key}"])
        // The task directory layout, with its modes.
        for (path, mode) in [(dir.secretsDir, 0o700), (dir.localDir, 0o777), (dir.logDir, 0o777), (dir.sharedDataDir, 0o777)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == mode, "\(path)")
        }
    }
}

@Suite struct RunnerDeviceAndLogHookTests {
    @Test func missingDeviceIsASetupFailureNamingIt() async throws {
        let harness = RunnerHarness()
        var task = mockTask("app", ["run_for": .string("1ms")])
        task.devices = [DeviceRequest(hostPath: "/dev/null"), DeviceRequest(hostPath: "/dev/corral-no-such-device")]
        let runner = try harness.runner(makeAllocation([task], type: .batch, restart: policy(attempts: 0)))
        await runner.run()
        let failure = try #require(await runner.taskState.events.first { $0.type == .setupFailure })
        #expect(failure.message == "prestart hook \"devices\" failed: devices[1]: host device /dev/corral-no-such-device does not exist")
        #expect(harness.driver.started.isEmpty)
    }

    @Test func devicesAndLogSettingsReachTheDriver() async throws {
        let harness = RunnerHarness()
        var task = mockTask("app", ["run_for": .string("1ms")])
        task.devices = [DeviceRequest(hostPath: "/dev/null", containerPath: "/dev/sink", permissions: "rw")]
        task.logs = LogConfig(maxFiles: 3, maxFileSizeMiB: 7)
        let runner = try harness.runner(makeAllocation([task]))
        await runner.run()
        let started = try #require(harness.driver.started.first)
        #expect(started.devices == task.devices)
        #expect(started.logging == LogConfig(maxFiles: 3, maxFileSizeMiB: 7))
    }
}
