import CorralAllocDir
import CorralDriver
import CorralExecDriver
import CorralRunner
import CorralRunnerStore
import Foundation
import Testing

/// Exactly one run per start decision when the runtime dies inside the driver's start
/// (`alloc-run --crash-in-start`): at each point of the start sequence, the restored runtime ends up
/// with the task having run exactly once (its command appends a line to a file), and `--destroy`
/// leaves no cgroup (in any hierarchy: the task has a cpu limit, which v1 puts in a hierarchy of its
/// own), state directory or mount behind.
@Suite(.serialized)
struct StartCrashTests {
    static func allocation(_ world: RunnerWorld, script: String) -> [String: Any] {
        [
            "id": world.allocID, "group": "g",
            "job": ["id": "j", "type": "batch", "groups": [[
                "name": "g",
                "restart": ["attempts": 1, "interval": "1h", "delay": "100ms", "mode": "fail"],
                "tasks": [[
                    "name": "t", "driver": "exec",
                    "config": ["command": "/bin/sh", "args": ["-c", script]],
                    "env": [String: String](), "resources": ["memory": 64, "cpu": 200], "kill_timeout": "1s",
                ]],
            ]]],
        ]
    }

    static func paths(_ world: RunnerWorld) -> [String] {
        ["--state-db", world.dbPath, "--alloc-root", world.allocRoot, "--state-root", world.stateRoot,
         "--cgroup-parent", world.cgroupParent]
    }

    @Test(.enabled(if: RunnerIntegration.cliEnabled, RunnerIntegration.cliComment),
          arguments: StartCrashPoint.allCases)
    func aCrashInsideTheStartRunsTheTaskOnce(_ point: StartCrashPoint) async throws {
        let world = try RunnerWorld()
        defer { world.finish() }
        let runs = world.directory(task: "t").sharedDataDir + "/runs"
        let allocJSON = Self.allocation(world, script: "echo run >> /alloc/data/runs; exit 0")
        let crashed = try await runCorral(["alloc-run"] + Self.paths(world) + ["--crash-in-start", point.rawValue],
                                          stdin: try JSONSerialization.data(withJSONObject: allocJSON), world: world)
        #expect(crashed.killedBySIGKILL, "alloc-run was to die by SIGKILL at \(point.rawValue): \(crashed)")

        let restored = try await runCorral(["alloc-run"] + Self.paths(world) + ["--restore", world.allocID, "--keep"],
                                           world: world)
        #expect(restored.reason == .exit && restored.status == 0, "\(point.rawValue): \(restored)")
        let final = try #require(restored.lines.last.flatMap { try? cliDecoder.decode(AllocStatus.self, from: Data($0.utf8)) },
                                 "no final status: \(restored)")
        let state = try #require(final.taskStates["t"])
        #expect(state.state == .dead && !state.failed, "\(point.rawValue): \(state.eventTypes)")
        let ran = ((try? String(contentsOfFile: runs, encoding: .utf8)) ?? "").split(separator: "\n").count
        #expect(ran == 1, "crash \(point.rawValue): the task ran \(ran) times; events \(state.eventTypes)")
        let terminated = state.events.filter { $0.type == .terminated }
        // Whatever the point, one run: at the barrier the record is missing (the task ends, the restored
        // runner starts it again), after the record the supervisor releases it on its own.
        #expect(terminated.map(\.exitCode) == [0], "\(point.rawValue): \(state.events.map(\.message))")

        let destroyed = try await runCorral(["alloc-run"] + Self.paths(world) + ["--destroy", world.allocID], world: world)
        #expect(destroyed.reason == .exit, "alloc-run --destroy: \(destroyed)")
    }

    /// Ctrl-C stops `alloc-run --restore` as it stops `corral run`: the tasks are killed (kill_signal,
    /// then kill_timeout), the allocation is removed, and alloc-run exits.
    @Test(.enabled(if: RunnerIntegration.cliEnabled, RunnerIntegration.cliComment))
    func ctrlCStopsARestoredAllocationAndItsTasks() async throws {
        let world = try RunnerWorld()
        defer { world.finish() }
        var allocJSON = Self.allocation(world, script: "echo run >> /alloc/data/runs; exec sleep 1000")
        allocJSON["job"] = ["id": "j", "type": "service", "groups": [[
            "name": "g", "restart": ["attempts": 0, "interval": "1h", "delay": "1s", "mode": "fail"],
            "tasks": [[
                "name": "t", "driver": "exec", "config": ["command": "/bin/sh", "args": ["-c", "echo run >> /alloc/data/runs; exec sleep 1000"]],
                "env": [String: String](), "resources": ["memory": 64], "kill_timeout": "1s",
            ]],
        ]]]
        let crashed = try await runCorral(["alloc-run"] + Self.paths(world) + ["--crash-after-event", "Started"],
                                          stdin: try JSONSerialization.data(withJSONObject: allocJSON), world: world)
        #expect(crashed.killedBySIGKILL, "\(crashed)")
        #expect(!world.taskProcesses().isEmpty, "the task is not running")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: RunnerIntegration.corralPath)
        process.arguments = ["alloc-run"] + Self.paths(world) + ["--restore", world.allocID]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        world.adopt(process)
        // Ready for Ctrl-C once it handles SIGINT itself.
        let pid = process.processIdentifier
        #expect(await finishes(within: 30) { while !handlesSIGINT(pid) { try? await Task.sleep(for: .milliseconds(20)) } })
        kill(pid, SIGINT)
        let ended = await finishes(within: 60) { while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) } }
        #expect(ended, "alloc-run --restore did not end on SIGINT")
        if !ended { kill(pid, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "alloc-run died by signal \(process.terminationStatus)")
        #expect(process.terminationStatus == 0, "a killed service allocation is not a failure")
        #expect(world.taskProcesses().isEmpty, "the task was left running")
    }
}

/// Whether `pid` no longer takes SIGINT's default action (ignored or caught, `SigIgn`/`SigCgt` in
/// /proc/PID/status): alloc-run has installed its handling.
private func handlesSIGINT(_ pid: Int32) -> Bool {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
    return text.split(separator: "\n").contains { line in
        guard line.hasPrefix("SigIgn:") || line.hasPrefix("SigCgt:"),
              let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
        return mask & (1 << UInt64(SIGINT - 1)) != 0
    }
}
