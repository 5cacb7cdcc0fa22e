import CorralDriver
import CorralExecDriver
import Foundation
import Testing

/// raw_exec: the host as it is, but a cgroup of its own: limits, stats, OOM, and a kill that
/// leaves no grandchild behind.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct RawExecDriverTests {
    @Test func runsOnTheHostInTheTaskDirectory() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = RawExecDriver(options: fixture.options)
        let hostNet = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        let handle = try await driver.start(fixture.task(
            fixture.shell("pwd; readlink /proc/self/ns/net; echo $GREETING; exit 4"), env: ["GREETING": "hi"]))
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 4))
        #expect(fixture.stdout() == "\(fixture.allocDir)/web\n\(hostNet)\nhi\n")
        try await driver.destroy(handle.id, force: false)
    }

    @Test func stopKillsTheWholeCgroupGrandchildrenIncluded() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = RawExecDriver(options: fixture.options)
        // A daemonising grandchild: its own session, reparented away from the task.
        let handle = try await driver.start(fixture.task(fixture.shell(
            "trap '' TERM; setsid sh -c 'trap \"\" TERM; echo $$ > ../alloc/data/grandchild; exec sleep 1000' & "
            + "echo ready; while :; do sleep 0.05; done")))
        let pidFile = fixture.allocDir + "/alloc/data/grandchild"
        #expect(eventually { fixture.stdout().contains("ready") && ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").hasSuffix("\n") })
        let grandchild = try #require(Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(grandchild, 0) == 0)
        let seconds = try await elapsed { try await driver.stop(handle.id, timeout: .milliseconds(500), signal: SIGTERM) }
        #expect(seconds >= 0.5 && seconds < 0.5 + DriverTests.lateness, "stop took \(seconds) s; the timeout was 0.5 s")
        #expect(try await driver.wait(handle.id).signal == SIGKILL)
        #expect(!isRunning(grandchild), "the grandchild \(grandchild) outlived the task")
        try await driver.destroy(handle.id, force: false)
    }

    @Test func grandchildrenDieWhenTheTaskExitsByItself() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = RawExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(fixture.shell(
            "setsid sleep 1000 & echo $! > ../alloc/data/grandchild; exit 0")))
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 0))
        let grandchild = try #require(Int32((try String(contentsOfFile: fixture.allocDir + "/alloc/data/grandchild",
                                                           encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!isRunning(grandchild), "the grandchild \(grandchild) outlived the task")
        try await driver.destroy(handle.id, force: false)
    }

    @Test func statsOOMAndExecUseTheTasksCgroup() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        try #require(access("/usr/bin/python3", X_OK) == 0, "needs /usr/bin/python3")
        try #require(mkfifo(fixture.allocDir + "/alloc/data/fifo", 0o600) == 0)
        let driver = RawExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(
            fixture.shell("echo ready; read line < ../alloc/data/fifo; exec /usr/bin/python3 -c 'b = b\"x\" * (200 << 20)'"),
            resources: TaskResources(memoryLimitBytes: 64 << 20)))
        #expect(eventually { fixture.stdout().contains("ready") })
        let status = try await driver.inspect(handle.id)
        let cgroup = try #require(status.driverAttributes["cgroup"])
        let inside = try await driver.exec(handle.id, command: ["cat", "/proc/self/cgroup"], timeout: .seconds(5))
        #expect(inside.stdoutText.contains(":/\(cgroup)\n"),
                "exec ran outside the task's cgroup \(cgroup): \(inside.stdoutText)")
        var reading: TaskResourceUsage?
        for await usage in try await driver.stats(handle.id, interval: .milliseconds(100)) { reading = usage; break }
        #expect((reading?.memory.usage ?? 0) > 0)
        try release(fixture.allocDir + "/alloc/data/fifo")
        let result = try await driver.wait(handle.id)
        #expect(result.oomKilled && result.signal == SIGKILL, "\(result)")
        try await driver.destroy(handle.id, force: false)
    }

    @Test func recoversAfterTheRunnerWentAway() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        try #require(mkfifo(fixture.allocDir + "/alloc/data/fifo", 0o600) == 0)
        var first: RawExecDriver? = RawExecDriver(options: fixture.options)
        let handle = try await first!.start(fixture.task(fixture.shell("read line < ../alloc/data/fifo; exit 9")))
        first = nil
        let second = RawExecDriver(options: fixture.options)
        try await second.recover(handle)
        try release(fixture.allocDir + "/alloc/data/fifo")
        #expect(try await second.wait(handle.id) == ExitResult(exitCode: 9))
        try await second.destroy(handle.id, force: false)
    }
}
