import CorralDriver
import CorralExecDriver
import Foundation
import Testing

/// The exec driver's start, wait, signal, stop and inspect, as the runner will call them.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct ExecDriverBasicTests {
    @Test func exitCodeIsReported() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(fixture.shell("echo hello; echo oops >&2; exit 3")))
        let result = try await driver.wait(handle.id)
        #expect(result == ExitResult(exitCode: 3))
        #expect(fixture.stdout() == "hello\n")
        #expect((try? String(contentsOfFile: fixture.stderrLog, encoding: .utf8)) == "oops\n")
        try await driver.destroy(handle.id, force: false)
    }

    @Test func deathBySignalIsReported() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        // In the host's pid namespace: a namespace's init cannot be killed from inside it.
        let handle = try await driver.start(fixture.task(fixture.shell("kill -KILL $$", ["pid_mode": .string("host")])))
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 137, signal: 9))
        try await driver.destroy(handle.id, force: false)
    }

    @Test func inspectShowsRunningThenExited() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(fixture.shell("exec sleep 1000")))
        let running = try await driver.inspect(handle.id)
        #expect(running.state == .running)
        #expect(running.exitResult == nil)
        #expect(running.driverAttributes["pid"] != nil)
        try await driver.stop(handle.id, timeout: .seconds(5), signal: SIGKILL)
        let exited = try await driver.inspect(handle.id)
        #expect(exited.state == .exited)
        #expect(exited.exitResult?.signal == SIGKILL)
        #expect(exited.completedAt != nil)
        await #expect(throws: DriverError.taskNotRunning(id: handle.id)) { try await driver.signal(handle.id, signal: SIGTERM) }
        try await driver.destroy(handle.id, force: false)
        await #expect(throws: DriverError.taskNotFound(id: handle.id)) { try await driver.inspect(handle.id) }
    }

    @Test func signalIsDelivered() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(fixture.shell(
            "trap 'echo got USR1; exit 7' USR1; echo ready; while :; do sleep 0.05; done")))
        #expect(eventually { fixture.stdout().contains("ready") })
        try await driver.signal(handle.id, signal: SIGUSR1)
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 7))
        #expect(fixture.stdout().contains("got USR1"))
        try await driver.destroy(handle.id, force: false)
    }

    @Test func stopWithAnHonouredSignalEndsTheTaskBeforeTheTimeout() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(fixture.shell(
            "trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 0.05; done")))
        #expect(eventually { fixture.stdout().contains("ready") })
        let seconds = try await elapsed { try await driver.stop(handle.id, timeout: .seconds(5), signal: SIGTERM) }
        #expect(seconds < 1 + DriverTests.lateness, "stop took \(seconds) s although the task exits on SIGTERM")
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 0))
        #expect(fixture.stdout().contains("bye"))
        try await driver.destroy(handle.id, force: false)
    }

    @Test func stopWithAnIgnoredSignalKillsEveryProcessAtTheTimeout() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        // A grandchild that ignores SIGTERM too, and leaves its pid where the test can see it.
        let handle = try await driver.start(fixture.task(fixture.shell(
            "trap '' TERM; (trap '' TERM; exec sleep 1000) & echo $! > /alloc/data/grandchild; echo ready; "
            + "while :; do sleep 0.05; done", ["pid_mode": .string("host")])))
        #expect(eventually { fixture.stdout().contains("ready") })
        let grandchild = try #require(Int32((try String(contentsOfFile: fixture.allocDir + "/alloc/data/grandchild",
                                                           encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        let seconds = try await elapsed { try await driver.stop(handle.id, timeout: .seconds(1), signal: SIGTERM) }
        #expect(seconds >= 1.0 && seconds < 1.0 + DriverTests.lateness, "stop took \(seconds) s; the timeout was 1 s")
        #expect(try await driver.wait(handle.id).signal == SIGKILL)
        // Killed by now; only its reaping may lag (a zombie handed to init when its supervisor ended).
        #expect(!isRunning(grandchild), "the grandchild \(grandchild) outlived the task")
        try await driver.destroy(handle.id, force: false)
    }

    @Test func destroyRefusesARunningTaskUnlessForced() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(fixture.shell("exec sleep 1000")))
        await #expect(throws: DriverError.taskStillRunning(id: handle.id)) { try await driver.destroy(handle.id, force: false) }
        try await driver.destroy(handle.id, force: true)
        await #expect(throws: DriverError.taskNotFound(id: handle.id)) { try await driver.wait(handle.id) }
    }

    @Test func invalidConfigIsRefusedBeforeAnythingIsCreated() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let cases: [(DriverConfig, String)] = [
            (["comand": .string("/bin/true")], "config.comand"),
            (["command": .bool(true)], "config.command"),
            (["command": .string("/bin/true"), "cap_add": .list([.string("CAP_NOPE")])], "config.cap_add[0]"),
            (["args": .list([.string("x")])], "config.command"),
            (["command": .string("/bin/true"), "mounts": .list([.object(["type": .string("bind"), "source": .string("/nonexistent-src"), "target": .string("/x")])])], "config.mounts"),
            (["command": .string("/bin/true"), "hostname": .string("bad host")], "config.hostname"),
        ]
        for (config, key) in cases {
            do {
                _ = try await driver.start(fixture.task(config))
                Issue.record("config \(config) was accepted")
            } catch {
                guard case .invalidConfig(let got, _) = error else {
                    Issue.record("config \(config): \(error), expected an invalid-config error")
                    continue
                }
                #expect(got == key)
            }
            #expect(fixture.leftovers() == [])
        }
    }
}

/// A start that fails after its state directory and cgroup exist leaves neither behind.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct ExecDriverFailedStartTests {
    @Test func aCommandThatCannotRunFailsTheStartAndLeavesNothing() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        do {
            _ = try await driver.start(fixture.task(["command": .string("/nonexistent/program")]))
            Issue.record("a missing program started")
        } catch {
            guard case .startFailed(let reason, let recoverable) = error else {
                Issue.record("expected a start failure, got \(error)")
                return
            }
            #expect(reason.contains("\"/nonexistent/program\""), "\(reason)")
            #expect(!recoverable, "a missing program does not appear on a second try")
        }
        #expect(fixture.leftovers() == [])
        await #expect(throws: DriverError.taskNotFound(id: fixture.task([:]).id)) {
            try await driver.inspect(fixture.task([:]).id)
        }
    }
}
