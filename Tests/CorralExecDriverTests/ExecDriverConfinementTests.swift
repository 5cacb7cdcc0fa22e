import CorralDriver
import CorralExecDriver
import Foundation
import Testing

/// exec into a running task, stats, OOM, init: what the exec driver's tasks see and report.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct ExecDriverConfinementTests {
    /// A task that writes a marker into its own /tmp and waits.
    func startWaitingTask(_ driver: ExecDriver, _ fixture: DriverFixture, _ extra: DriverConfig = [:]) async throws -> TaskHandle {
        var config = fixture.shell("echo inside > /tmp/marker; echo ready; exec sleep 1000", extra)
        config["hostname"] = .string("web-1")
        let handle = try await driver.start(fixture.task(config))
        #expect(eventually { fixture.stdout().contains("ready") })
        return handle
    }

    @Test func execSeesTheTasksHostnameAndFiles() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await startWaitingTask(driver, fixture)
        let hostname = try await driver.exec(handle.id, command: ["hostname"], timeout: .seconds(10))
        #expect(hostname.stdoutText == "web-1\n")
        #expect(hostname.exitCode == 0)
        let marker = try await driver.exec(handle.id, command: ["cat", "/tmp/marker"], timeout: .seconds(10))
        #expect(marker.stdoutText == "inside\n")
        // The task is PID 1 of the namespace the command joined.
        let ps = try await driver.exec(handle.id, command: ["sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$"],
                                       timeout: .seconds(10))
        #expect(ps.stdoutText.hasPrefix("sleep 1000"))
        let failing = try await driver.exec(handle.id, command: ["sh", "-c", "echo err >&2; exit 5"], timeout: .seconds(10))
        #expect(failing.exitCode == 5)
        #expect(failing.stderrText == "err\n")
        try await driver.destroy(handle.id, force: true)
    }

    /// The helper of an exec holds no report pipe (the task's processes share its pid namespace and
    /// could forge reports through /proc/<pid>/fd): a command that cannot run is reported on stderr
    /// with the usual status, 127 (not found) or 126 (not executable).
    @Test func anExecThatCannotRunSaysSoOnStderrWithItsStatus() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await startWaitingTask(driver, fixture)
        let missing = try await driver.exec(handle.id, command: ["/nonexistent/cmd"], timeout: .seconds(10))
        #expect(missing.exitCode == 127, "\(missing.stderrText)")
        #expect(missing.stderrText.contains("\"/nonexistent/cmd\""), "\(missing.stderrText)")
        let searched = try await driver.exec(handle.id, command: ["nosuchcommand"], timeout: .seconds(10))
        #expect(searched.exitCode == 127, "\(searched.stderrText)")
        let denied = try await driver.exec(handle.id, command: ["/etc/passwd"], timeout: .seconds(10))
        #expect(denied.exitCode == 126, "\(denied.stderrText)")
        // The task itself is untouched.
        let alive = try await driver.exec(handle.id, command: ["cat", "/tmp/marker"], timeout: .seconds(10))
        #expect(alive.stdoutText == "inside\n")
        try await driver.destroy(handle.id, force: true)
    }

    @Test func execIsConfinedLikeTheTask() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await startWaitingTask(driver, fixture, ["cap_drop": .list([.string("NET_RAW"), .string("CHOWN")])])
        let fields = ["CapEff", "CapBnd", "Seccomp", "NoNewPrivs"]
        let script = fields.map { "grep '^\($0):' /proc/1/status; grep '^\($0):' /proc/self/status" }.joined(separator: "; ")
            + "; readlink /proc/1/ns/net /proc/self/ns/net /proc/1/ns/mnt /proc/self/ns/mnt; cat /proc/self/cgroup"
        let result = try await driver.exec(handle.id, command: ["sh", "-c", script], timeout: .seconds(10))
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        try #require(lines.count >= 12, "unexpected output: \(result.stdoutText) \(result.stderrText)")
        for index in stride(from: 0, to: 8, by: 2) {
            #expect(lines[index] == lines[index + 1], "the exec'd command differs from the task: \(lines[index]) vs \(lines[index + 1])")
        }
        #expect(lines.contains("Seccomp:\t2"))
        #expect(lines.contains("NoNewPrivs:\t1"))
        #expect(lines[8] == lines[9], "not in the task's network namespace")
        #expect(lines[10] == lines[11], "not in the task's mount namespace")
        // In the task's cgroup namespace, whose root is the task's own cgroup.
        #expect(lines[12...].allSatisfy { $0.hasSuffix(":/") }, "cgroups: \(lines[12...])")
        try await driver.destroy(handle.id, force: true)
    }

    @Test func execIsKilledAtItsTimeout() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await startWaitingTask(driver, fixture)
        var result: ExecResult?
        let seconds = try await elapsed { result = try await driver.exec(handle.id, command: ["sleep", "30"], timeout: .milliseconds(500)) }
        #expect(result?.exitCode == 137)
        #expect(result?.timedOut == true)
        #expect(seconds < 0.5 + 2 * DriverTests.lateness + 1, "the exec took \(seconds) s with a 0.5 s timeout")
        // The task itself goes on.
        #expect(try await driver.inspect(handle.id).state == .running)
        try await driver.destroy(handle.id, force: true)
    }

    @Test func streamingExecTakesStdin() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await startWaitingTask(driver, fixture)
        let input = AsyncStream<[UInt8]> { continuation in
            continuation.yield(Array("one\ntwo\n".utf8))
            continuation.finish()
        }
        let session = try await driver.execStreaming(handle.id, command: ["tr", "a-z", "A-Z"],
                                                     options: ExecOptions(stdin: input, timeout: .seconds(10)))
        var output: [UInt8] = []
        for await chunk in session.stdout { output += chunk }
        #expect(await session.exitCode() == 0)
        #expect(String(decoding: output, as: UTF8.self) == "ONE\nTWO\n")
        // A terminal of the host's devpts: isatty holds, though ttyname finds no /dev/pts entry for it
        // in the task's own devpts.
        let tty = try await driver.execStreaming(handle.id, command: ["sh", "-c", "test -t 0 && test -t 1 && echo terminal"],
                                                 options: ExecOptions(tty: true, timeout: .seconds(10)))
        var ttyOutput: [UInt8] = []
        for await chunk in tty.stdout { ttyOutput += chunk }
        #expect(await tty.exitCode() == 0)
        #expect(String(decoding: ttyOutput, as: UTF8.self) == "terminal\r\n")
        try await driver.destroy(handle.id, force: true)
    }

    @Test func execIntoAnExitedTaskIsRefused() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(fixture.shell("exit 0")))
        _ = try await driver.wait(handle.id)
        await #expect(throws: DriverError.taskNotRunning(id: handle.id)) {
            _ = try await driver.exec(handle.id, command: ["true"], timeout: .seconds(5))
        }
        try await driver.destroy(handle.id, force: false)
    }

    @Test func statsMoveUnderLoad() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(fixture.shell("while :; do :; done")))
        var readings: [TaskResourceUsage] = []
        for await usage in try await driver.stats(handle.id, interval: .milliseconds(200)) {
            readings.append(usage)
            if readings.count == 4 { break }
        }
        #expect(readings.count == 4)
        // The first reading has no interval (0%); a busy loop shows in the busiest interval after it. In the
        // emulated guest the loop shares a few emulated CPUs with the suites running beside it (seen: 19.8%).
        let busiest = readings.dropFirst().map(\.cpu.percent).max() ?? 0
        #expect(busiest > DriverTests.busyLoopPercent, "a busy loop used at most \(busiest)% of a CPU")
        #expect(readings.last!.memory.usage > 0)
        #expect(readings.last!.timestamp > readings.first!.timestamp)
        try await driver.stop(handle.id, timeout: .zero, signal: SIGKILL)
        // The stream ends once the task has exited.
        var after = 0
        for await _ in try await driver.stats(handle.id, interval: .milliseconds(50)) { after += 1 }
        #expect(after == 0)
        try await driver.destroy(handle.id, force: false)
    }

    @Test func anOOMKillIsReported() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        try #require(access("/usr/bin/python3", X_OK) == 0, "needs /usr/bin/python3")
        let driver = ExecDriver(options: fixture.options)
        let handle = try await driver.start(fixture.task(
            ["command": .string("/usr/bin/python3"), "args": .list([.string("-c"), .string("b = b'x' * (200 << 20); print('allocated')")])],
            resources: TaskResources(memoryLimitBytes: 64 << 20)))
        let result = try await driver.wait(handle.id)
        #expect(result.oomKilled)
        #expect(result.signal == SIGKILL)
        #expect(!fixture.stdout().contains("allocated"))
        try await driver.destroy(handle.id, force: false)
    }

    @Test func initReapsOrphansAndForwardsSignals() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        // Without a handler of its own, PID 1 would ignore SIGTERM; under init, the shell gets it.
        let handle = try await driver.start(fixture.task(fixture.shell(
            "(sleep 0.1 &); trap 'echo term; exit 3' TERM; echo ready; while :; do sleep 0.05; done",
            ["init": .bool(true)])))
        #expect(eventually { fixture.stdout().contains("ready") })
        let ps = try await driver.exec(handle.id, command: ["sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"], timeout: .seconds(5))
        #expect(ps.stdoutText.hasPrefix("corral-init --init -- /bin/sh"))
        // Init runs from the sealed copy and is not dumpable: its /proc/1/exe (the copy every later
        // start execs) can be neither read, nor written, nor chmod'ed by the task's processes.
        let exe = try await driver.exec(handle.id, command: ["sh", "-c", "readlink /proc/1/exe || echo hidden; "
                                                             + "(exec 3>>/proc/1/exe) 2>/dev/null && echo writable; "
                                                             + "chmod 0 /proc/1/exe 2>/dev/null && echo chmoded"],
                                        timeout: .seconds(5))
        #expect(exe.stdoutText == "hidden\n", "\(exe.stdoutText)")
        // The orphaned `sleep 0.1`, reparented to init, is reaped once it ends: no zombie stays.
        let zombies = try await driver.exec(handle.id, command: ["sh", "-c", "sleep 0.5; grep -l '^State:.*Z' /proc/[0-9]*/status"],
                                            timeout: .seconds(5))
        #expect(zombies.stdoutText == "", "zombies: \(zombies.stdoutText)")
        try await driver.stop(handle.id, timeout: .seconds(5), signal: SIGTERM)
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 3))
        #expect(fixture.stdout().contains("term"))
        try await driver.destroy(handle.id, force: false)
    }
}
