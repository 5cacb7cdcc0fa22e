import CorralAllocDir
import CorralDriver
import CorralExecDriver
import CorralRunner
import CorralRunnerStore
import Foundation
import Testing

/// The task runner over the real pieces: the exec driver (namespaces, cgroups, supervisor), the
/// host task directories (tmpfs `secrets/`) and the SQLite state store. Each test has its own alloc
/// root, database, driver state root and cgroup parent, and checks that nothing is left behind.
/// Serialized: the tests start real tasks and measure kill timing on a small shared machine.
@Suite(.serialized)
struct RunnerIntegrationTests {
    /// The environment and `${...}` interpolation reach a real task: `NOMAD_*` and the task's `env`
    /// (interpolated from the node) are in its environment, `${NOMAD_TASK_DIR}` and `${env.X}` in its
    /// args are replaced by the runner (the shell would not expand `${env.X}`), its `/secrets` is the
    /// private tmpfs (0700, nosuid, nodev, noexec), the events are exactly Received, Task Setup,
    /// Started, Terminated, and the SQLite store, reopened, holds the same task state.
    @Test(.enabled(if: RunnerIntegration.enabled, RunnerIntegration.comment))
    func environmentAndInterpolationReachTheTask() async throws {
        let world = try RunnerWorld()
        defer { world.finish() }
        let script = #"echo "$NOMAD_TASK_DIR|$NOMAD_ALLOC_ID|$X"; echo args ${NOMAD_TASK_DIR} ${env.X}; "#
            + #"ls -ld /secrets; grep " /secrets " /proc/self/mountinfo"#
        let task = RunnerWorld.shellTask(script, env: ["X": "${node.unique.name}"])
        let alloc = world.allocation(task, type: .batch,
                                     restart: RestartPolicy(attempts: 0, interval: .seconds(3600), delay: .zero, mode: .fail))
        let store = try world.store()
        let log = StateLog()
        let runner = try world.runner(alloc, driver: world.driver(), store: store, log: log)
        #expect(await finishes(within: 60) { await runner.run() }, "the task did not finish")

        let state = await runner.taskState
        let lines = ((try? String(contentsOfFile: world.stdoutLog(task: "t"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
        try #require(lines.count == 4, "stdout: \(lines)")
        #expect(lines[0] == "/local|\(world.allocID)|\(world.nodeName)")
        #expect(lines[1] == "args /local \(world.nodeName)", "the runner interpolates ${NOMAD_TASK_DIR} and ${env.X} in args")
        #expect(lines[2].hasPrefix("drwx------ "), "secrets/ is 0700: \(lines[2])")
        let secrets = try #require(mountInfo(lines[3]).first, "no /secrets line in the task's mountinfo: \(lines[3])")
        #expect(secrets.mountPoint == "/secrets")
        #expect(secrets.fsType == "tmpfs")
        for option in ["nosuid", "nodev", "noexec"] {
            #expect(secrets.options.contains(option), "/secrets is mounted without \(option): \(secrets.options)")
        }

        #expect(state.eventTypes == [.received, .setup, .started, .terminated])
        #expect(state.events.last?.exitCode == 0)
        #expect(state.events.last?.signal == 0)
        #expect(state.state == .dead && !state.failed)
        #expect(log.all.last == state, "the last announced state is the final one")

        // Persisted: a new connection to the same file reads the same state.
        try store.close()
        let reopened = try world.store()
        #expect(try await reopened.taskState(allocID: world.allocID, task: "t") == state)
        let local = try #require(try await reopened.localState(allocID: world.allocID, task: "t"))
        #expect(local.runCount == 1)
        #expect(local.driverHandle == nil, "the finished run's handle is forgotten")

        try await HostTaskDirBuilder().destroy(allocDir: world.allocDir)
        try await reopened.deleteAllocation(id: world.allocID)
        #expect(world.mounts() == [], "the secrets tmpfs is unmounted")
    }

    /// A task that ignores SIGTERM is SIGKILLed at its `kill_timeout` (1 s): `kill` returns after
    /// about a second, not before, the run ends with signal 9, the task is dead (killed, not failed),
    /// and none of its processes survive.
    @Test(.enabled(if: RunnerIntegration.enabled, RunnerIntegration.comment))
    func killEscalatesToSIGKILLAtKillTimeout() async throws {
        let world = try RunnerWorld()
        defer { world.finish() }
        // The task says it is ready (its trap set) through a FIFO in its alloc dir.
        let task = RunnerWorld.shellTask(#"trap "" TERM; echo ready > /alloc/data/ready; while :; do sleep 0.1; done"#,
                                         killTimeout: .seconds(1))
        let alloc = world.allocation(task, type: .service,
                                     restart: RestartPolicy(attempts: 2, interval: .seconds(3600), delay: .seconds(15), mode: .fail))
        let store = try world.store()
        let log = StateLog()
        let runner = try world.runner(alloc, driver: world.driver(), store: store, log: log)
        try await HostTaskDirBuilder().build(world.directory(task: "t"))
        let fifo = world.directory(task: "t").sharedDataDir + "/ready"
        try #require(mkfifo(fifo, 0o666) == 0, "mkfifo \(fifo)")
        // Writable by the task's user (nobody), whatever the umask made of the mode.
        chmod(fifo, 0o666)
        let running = Task { await runner.run() }
        try #require(await log.waitFor { $0.state == .running } != nil, "the task did not start")
        // The trap is set once the task has written to the FIFO.
        #expect(await readLine(fromFIFO: fifo) == "ready\n")
        let processes = world.taskProcesses()
        #expect(!processes.isEmpty, "no process found in the task's cgroups")

        let start = ContinuousClock.now
        #expect(await finishes(within: 30) { await runner.kill() }, "kill did not return")
        let took = seconds(since: start)
        await running.value
        #expect(took >= 1.0, "SIGKILL came before kill_timeout: \(took) s")
        #expect(took < 1.0 + RunnerIntegration.lateness, "kill took \(took) s for a 1 s kill_timeout")

        let state = await runner.taskState
        #expect(state.eventTypes == [.received, .setup, .started, .killing, .terminated, .killed])
        let terminated = try #require(state.events.last { $0.type == .terminated })
        #expect(terminated.signal == SIGKILL)
        #expect(state.events.last?.type == .killed)
        #expect(state.state == .dead && !state.failed)
        let survivors = processes.filter(\.isAlive)
        #expect(survivors == [], "task processes survived the kill")

        try await HostTaskDirBuilder().destroy(allocDir: world.allocDir)
        try await store.deleteAllocation(id: world.allocID)
    }

    /// `shutdown` leaves the task running (a fresh driver instance recovers it and sees it run); a new
    /// runner on a new driver and a new connection to the same database `restore`s it and, with a
    /// `kill` racing its `run`, kills it: no second start (run count 1), events Received, Task Setup,
    /// Started, Killing, Terminated, Killed.
    @Test(.enabled(if: RunnerIntegration.enabled, RunnerIntegration.comment))
    func shutdownLeavesTheTaskRunningAndARestoredRunnerKillsIt() async throws {
        let world = try RunnerWorld()
        defer { world.finish() }
        let task = RunnerWorld.shellTask("exec sleep 1000", killTimeout: .seconds(1))
        let alloc = world.allocation(task, type: .service,
                                     restart: RestartPolicy(attempts: 2, interval: .seconds(3600), delay: .seconds(15), mode: .fail))
        let firstStore = try world.store()
        let firstLog = StateLog()
        let first = try world.runner(alloc, driver: world.driver(), store: firstStore, log: firstLog)
        let firstRun = Task { await first.run() }
        try #require(await firstLog.waitFor { $0.state == .running } != nil, "the task did not start")
        let handle = try #require(await first.currentHandle)
        let processes = world.taskProcesses()
        #expect(!processes.isEmpty, "no process found in the task's cgroups")
        #expect(await finishes(within: 30) { await first.shutdown() }, "shutdown did not return")
        await firstRun.value
        #expect(await first.taskState.state == .running)
        try firstStore.close()

        // Another runtime's driver finds the task still running.
        let checker = world.driver()
        try await checker.recover(handle)
        #expect(try await checker.inspect(handle.id).state == .running)
        #expect(processes.allSatisfy { $0.isAlive }, "the task's processes died with the runner's shutdown")

        let store = try world.store()
        let log = StateLog()
        let second = try world.runner(alloc, driver: world.driver(), store: store, log: log)
        try await second.restore()
        #expect(await second.currentHandle?.id == handle.id)
        let secondRun = Task { await second.run() }
        #expect(await finishes(within: 30) { await second.kill() }, "kill did not return")
        await secondRun.value

        let state = await second.taskState
        #expect(state.eventTypes == [.received, .setup, .started, .killing, .terminated, .killed])
        #expect(state.state == .dead && !state.failed)
        let local = try #require(try await store.localState(allocID: world.allocID, task: "t"))
        #expect(local.runCount == 1, "the task was started again")
        #expect(try await store.taskState(allocID: world.allocID, task: "t") == state)
        let survivors = processes.filter(\.isAlive)
        #expect(survivors == [], "task processes survived the kill")

        try await HostTaskDirBuilder().destroy(allocDir: world.allocDir)
        try await store.deleteAllocation(id: world.allocID)
    }

    /// A task that exits while no runner exists (after `shutdown`, before the next runner) is
    /// reported with its true exit code by the restored runner, which does not start it again: exit 4,
    /// dead and failed (a batch task, no restarts allowed).
    @Test(.enabled(if: RunnerIntegration.enabled, RunnerIntegration.comment))
    func taskThatExitedWhileNoRunnerExistedReportsItsTrueExit() async throws {
        let world = try RunnerWorld()
        defer { world.finish() }
        let task = RunnerWorld.shellTask("while [ ! -e /alloc/data/go ]; do sleep 0.05; done; exit 4")
        let alloc = world.allocation(task, type: .batch,
                                     restart: RestartPolicy(attempts: 0, interval: .seconds(3600), delay: .milliseconds(100),
                                                            mode: .fail))
        let firstStore = try world.store()
        let firstLog = StateLog()
        let first = try world.runner(alloc, driver: world.driver(), store: firstStore, log: firstLog)
        let firstRun = Task { await first.run() }
        try #require(await firstLog.waitFor { $0.state == .running } != nil, "the task did not start")
        let handle = try #require(await first.currentHandle)
        #expect(await finishes(within: 30) { await first.shutdown() }, "shutdown did not return")
        await firstRun.value
        try firstStore.close()

        // The task ends with nobody watching: its supervisor records the exit.
        let stateDirectory = try #require(handle.stateDirectory)
        try Data().write(to: URL(fileURLWithPath: world.directory(task: "t").sharedDataDir + "/go"))
        // Waited for through a driver of its own (its supervisor's pidfd), as any observer would.
        let observer = world.driver()
        try await observer.recover(handle)
        #expect(try await observer.wait(handle.id).exitCode == 4)
        #expect(access(stateDirectory + "/exit.json", F_OK) == 0, "the supervisor recorded no exit")

        let store = try world.store()
        let log = StateLog()
        let second = try world.runner(alloc, driver: world.driver(), store: store, log: log)
        try await second.restore()
        #expect(await finishes(within: 30) { await second.run() }, "the restored runner did not finish")

        let state = await second.taskState
        #expect(state.eventTypes == [.received, .setup, .started, .terminated, .notRestarting])
        let terminated = try #require(state.events.last { $0.type == .terminated })
        #expect(terminated.exitCode == 4)
        #expect(terminated.signal == 0)
        #expect(terminated.details["task_id"] == handle.id)
        #expect(state.state == .dead && state.failed)
        let local = try #require(try await store.localState(allocID: world.allocID, task: "t"))
        #expect(local.runCount == 1, "the task was started again")

        try await HostTaskDirBuilder().destroy(allocDir: world.allocDir)
        try await store.deleteAllocation(id: world.allocID)
    }

    /// `corral alloc-run`, SIGKILLed right after it persisted a `Started`, `Terminated`, `Restarting`
    /// or `Not Restarting` event, is picked up by `alloc-run --restore`: the run it crashed in is counted
    /// once (two runs in all, for one restart allowed), each with its own `Terminated` (exit 5), the
    /// restart policy gives up with Nomad's reason, and `--destroy` removes the allocation directory
    /// (unmounting its secrets), the stored state, the task cgroups and state directories (also those
    /// of a finished run whose handle was forgotten just before the crash: restore finds them by id).
    @Test(.enabled(if: RunnerIntegration.cliEnabled, RunnerIntegration.cliComment),
          arguments: ["Started", "Terminated", "Restarting", "Not Restarting"])
    func allocRunKilledMidTransitionIsRestored(crashAfter: String) async throws {
        let world = try RunnerWorld()
        defer { world.finish() }
        // For `Started`, the task runs until the test lets it go, so the crash happens while it runs.
        let wait = crashAfter == "Started" ? "while [ ! -e /alloc/data/go ]; do sleep 0.05; done; " : ""
        let script = "echo run >> /alloc/data/runs; \(wait)exit 5"
        let allocJSON: [String: Any] = [
            "id": world.allocID, "group": "g",
            "job": ["id": "j", "type": "batch", "groups": [[
                "name": "g",
                "restart": ["attempts": 1, "interval": "1h", "delay": "100ms", "mode": "fail"],
                "tasks": [[
                    "name": "t", "driver": "exec",
                    "config": ["command": "/bin/sh", "args": ["-c", script]],
                    "env": [String: String](), "resources": ["memory": 64], "kill_timeout": "1s",
                ]],
            ]]],
        ]
        let paths = ["--state-db", world.dbPath, "--alloc-root", world.allocRoot, "--state-root", world.stateRoot,
                     "--cgroup-parent", world.cgroupParent]
        let runs = world.directory(task: "t").sharedDataDir + "/runs"

        let crashed = try await runCorral(["alloc-run"] + paths + ["--crash-after-event", crashAfter],
                                          stdin: try JSONSerialization.data(withJSONObject: allocJSON), world: world)
        #expect(crashed.killedBySIGKILL, "alloc-run was to die by SIGKILL: \(crashed)")
        // The crash came right after the write of that event: it is the newest one stored.
        let stored = try await world.store().taskState(allocID: world.allocID, task: "t")
        #expect(stored?.events.last?.type.rawValue == crashAfter, "the crash came after another write: \(crashed)")
        if crashAfter == "Started" {
            try Data().write(to: URL(fileURLWithPath: world.directory(task: "t").sharedDataDir + "/go"))
        }

        let restored = try await runCorral(["alloc-run"] + paths + ["--restore", world.allocID, "--keep"], world: world)
        #expect(restored.reason == .exit && restored.status == 1, "a failed allocation exits 1: \(restored)")
        let final = try #require(restored.lines.last.flatMap { try? cliDecoder.decode(AllocStatus.self, from: Data($0.utf8)) },
                                 "no final status: \(restored)")
        #expect(final.clientStatus == .failed)
        let state = try #require(final.taskStates["t"])
        #expect(state.state == .dead && state.failed)
        let terminated = state.events.filter { $0.type == .terminated }
        #expect(terminated.count == 2, "events: \(state.eventTypes)")
        #expect(terminated.allSatisfy { $0.exitCode == 5 }, "exits: \(terminated.map(\.message))")
        let runIDs = terminated.compactMap { $0.details["task_id"] }
        #expect(runIDs.count == 2 && Set(runIDs).count == 2, "each run has its own Terminated: \(runIDs)")
        #expect(state.events.filter { $0.type == .started }.count == 2, "events: \(state.eventTypes)")
        let last = try #require(state.events.last)
        #expect(last.type == .notRestarting)
        #expect(last.message == #"Exceeded allowed attempts 1 in interval 1h0m0s and mode is "fail""#)
        let ran = (try? String(contentsOfFile: runs, encoding: .utf8)) ?? ""
        #expect(ran.split(separator: "\n").count == 2, "the task ran \(ran.split(separator: "\n").count) times")
        #expect(!world.mounts().isEmpty, "--keep keeps the secrets tmpfs mounted")

        let destroyed = try await runCorral(["alloc-run"] + paths + ["--destroy", world.allocID], world: world)
        #expect(destroyed.reason == .exit, "alloc-run --destroy: \(destroyed)")
        #expect(!FileManager.default.fileExists(atPath: world.allocDir), "the allocation directory is left")
        #expect(world.mounts() == [], "mounts are left under the alloc root")
        let store = try world.store()
        #expect(try await store.allocations().map(\.id) == [], "the allocation is still stored")
        #expect(try await store.taskState(allocID: world.allocID, task: "t") == nil, "the task state is still stored")

    }

    /// A runtime that died inside the driver's start leaves a running task whose handle it never
    /// stored (only the run count was): the restored runner finds that run by its id in the driver's
    /// state directory and adopts it instead of starting a second copy; killing it leaves nothing.
    @Test(.enabled(if: RunnerIntegration.enabled, RunnerIntegration.comment))
    func runWhoseHandleWasNeverStoredIsAdoptedNotStartedTwice() async throws {
        let world = try RunnerWorld()
        defer { world.finish() }
        let task = RunnerWorld.shellTask("echo run >> /alloc/data/runs; exec sleep 1000")
        let alloc = world.allocation(task, type: .service,
                                     restart: RestartPolicy(attempts: 0, interval: .seconds(3600), delay: .seconds(1), mode: .fail))
        // What the dead runtime left: the task directory, the allocation, the run count, the run itself.
        let directory = world.directory(task: "t")
        try await HostTaskDirBuilder().build(directory)
        let store = try world.store()
        try await store.putAllocation(alloc)
        var before = CorralRunner.TaskState()
        before.append(.received(at: Date()))
        before.append(.setup(at: Date()))
        try await store.putStates(before, LocalState(hooks: ["task_dir": HookState(done: true)], runCount: 1),
                                  allocID: world.allocID, task: "t")
        let lostConfig = TaskConfig(id: TaskConfig.makeID(allocID: world.allocID, task: "t", restart: 0), name: "t",
                                    jobName: "j", groupName: "g", allocID: world.allocID,
                                    resources: TaskResources(memoryLimitBytes: 64 << 20), allocDir: directory.allocDir,
                                    taskDir: directory.taskDir, driverConfig: task.config)
        let lost = try await world.driver().start(lostConfig)
        let processes = world.taskProcesses()
        #expect(!processes.isEmpty, "the lost run is not running")

        let log = StateLog()
        let runner = try world.runner(alloc, driver: world.driver(), store: store, log: log)
        try await runner.restore()
        #expect(await runner.currentHandle?.id == lost.id, "the lost run was not adopted")
        let running = Task { await runner.run() }
        #expect(await finishes(within: 30) { await runner.kill() }, "kill did not return")
        await running.value

        let state = await runner.taskState
        #expect(state.eventTypes == [.received, .setup, .started, .killing, .terminated, .killed])
        #expect(state.events.first { $0.type == .terminated }?.details["task_id"] == lost.id)
        let local = try #require(try await store.localState(allocID: world.allocID, task: "t"))
        #expect(local.runCount == 1, "a second run was started")
        let runs = (try? String(contentsOfFile: directory.sharedDataDir + "/runs", encoding: .utf8)) ?? ""
        #expect(runs.split(separator: "\n").count == 1)
        #expect(processes.filter(\.isAlive) == [], "the adopted run's processes survived the kill")

        try await HostTaskDirBuilder().destroy(allocDir: world.allocDir)
        try await store.deleteAllocation(id: world.allocID)
    }
}
