@testable import CorralDriver
import Foundation
import Testing

/// The `mock` driver and its knobs. Durations are short; timing bounds are generous (2 cores, tests in parallel).
@Suite(.timeLimit(.minutes(1))) struct MockDriverTests {
    let driver = MockDriver()
    let id = "a1/web/0"

    func task(_ mock: DriverConfig, id: String? = nil, stdout: String? = nil) -> TaskConfig {
        TaskConfig(id: id ?? self.id, name: "web", allocDir: "/nonexistent/a1", taskDir: "/nonexistent/a1/web",
                   stdoutPath: stdout, driverConfig: mock)
    }

    func elapsed(since start: ContinuousClock.Instant) -> Duration { ContinuousClock.now - start }

    /// A fresh directory for a test's log files.
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "corral-mock-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    // MARK: run_for, exit_code, exit_signal, exit_err_msg

    @Test func runForEndsTheTaskWithTheConfiguredExit() async throws {
        let start = ContinuousClock.now
        _ = try await driver.start(task(["run_for": .string("150ms"), "exit_code": .integer(3),
                                         "exit_err_msg": .string("boom")]))
        let result = try await driver.wait(id)
        #expect(elapsed(since: start) >= .milliseconds(140))
        #expect(result == ExitResult(exitCode: 3, signal: 0, oomKilled: false, error: "boom"))
        #expect(!result.successful)
    }

    @Test func anExitSignalAloneGivesTheShellsExitCode() async throws {
        _ = try await driver.start(task(["run_for": .string("50ms"), "exit_signal": .integer(9), "exit_code": .integer(0)]))
        #expect(try await driver.wait(id) == ExitResult(exitCode: 137, signal: 9))
    }

    @Test func anExitCodeIsKeptAlongsideASignal() async throws {
        _ = try await driver.start(task(["run_for": .string("50ms"), "exit_signal": .integer(15), "exit_code": .integer(1)]))
        #expect(try await driver.wait(id) == ExitResult(exitCode: 1, signal: 15))
    }

    @Test func theDefaultExitIsSuccess() async throws {
        _ = try await driver.start(task(["run_for": .integer(1_000_000)]))
        let result = try await driver.wait(id)
        #expect(result == ExitResult(exitCode: 0))
        #expect(result.successful)
    }

    @Test func inspectShowsRunningThenExitedWithTheResult() async throws {
        let handle = try await driver.start(task(["run_for": .string("300ms"), "exit_code": .integer(2)]))
        let before = try await driver.inspect(id)
        #expect(before.id == id && before.name == "web")
        #expect(before.state == .running)
        #expect(before.exitResult == nil && before.completedAt == nil)
        #expect(handle.driverState.hasPrefix("{\"started_at_ns\":"))
        #expect(before.startedAt.hasPrefix("20") && before.startedAt.hasSuffix("Z"), "not RFC 3339: \(before.startedAt)")
        _ = try await driver.wait(id)
        let after = try await driver.inspect(id)
        #expect(after.state == .exited)
        #expect(after.exitResult == ExitResult(exitCode: 2))
        #expect(after.startedAt == before.startedAt)
    }

    @Test func manyWaitersGetTheSameExit() async throws {
        _ = try await driver.start(task(["run_for": .string("100ms"), "exit_code": .integer(5)]))
        async let first = driver.wait(id)
        async let second = driver.wait(id)
        let results = try await [first, second]
        #expect(results == [ExitResult(exitCode: 5), ExitResult(exitCode: 5)])
    }

    // MARK: stop and kill_after

    @Test func withoutRunForATaskRunsUntilStopped() async throws {
        _ = try await driver.start(task([:]))
        // Nothing is to happen: a pause is the only way to see that.
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await driver.inspect(id).state == .running)
        try await driver.stop(id, timeout: .seconds(5), signal: SIGINT)
        // As Nomad's mock: a stopped task reports its configured exit (exit_code 0 by default), not the signal.
        #expect(try await driver.wait(id) == ExitResult(exitCode: 0))
    }

    @Test func aTaskStopsAfterKillAfterWithItsConfiguredExit() async throws {
        _ = try await driver.start(task(["kill_after": .string("150ms"), "exit_code": .integer(3)]))
        let start = ContinuousClock.now
        try await driver.stop(id, timeout: .seconds(5), signal: SIGTERM)
        let took = elapsed(since: start)
        #expect(took >= .milliseconds(140) && took < .seconds(4))
        #expect(try await driver.wait(id) == ExitResult(exitCode: 3))
        #expect(try driver.receivedSignals(id) == [SIGTERM])
        _ = try await driver.start(task(["kill_after": .string("10ms"), "exit_signal": .integer(Int64(SIGUSR1))], id: "second"))
        try await driver.stop("second", timeout: .seconds(5), signal: SIGTERM)
        #expect(try await driver.wait("second") == ExitResult(exitCode: 128 + SIGUSR1, signal: SIGUSR1))
    }

    @Test func aTaskThatOutlastsTheTimeoutIsKilledAtTheTimeout() async throws {
        _ = try await driver.start(task(["kill_after": .string("10s")]))
        let start = ContinuousClock.now
        try await driver.stop(id, timeout: .milliseconds(150), signal: SIGTERM)
        let took = elapsed(since: start)
        #expect(took >= .milliseconds(140) && took < .seconds(5))
        #expect(try await driver.wait(id) == ExitResult(exitCode: 137, signal: 9))
    }

    @Test func aWaiterSeesTheExitOfAStop() async throws {
        _ = try await driver.start(task(["kill_after": .string("50ms")]))
        let driver = driver, id = id
        let waiter = Task.immediate { try await driver.wait(id) }
        try await driver.stop(id, timeout: .seconds(5), signal: SIGTERM)
        #expect(try await waiter.value == ExitResult(exitCode: 0))
    }

    @Test func stoppingAnExitedTaskChangesNothing() async throws {
        _ = try await driver.start(task(["run_for": .string("10ms"), "exit_code": .integer(4)]))
        _ = try await driver.wait(id)
        try await driver.stop(id, timeout: .seconds(1), signal: SIGTERM)
        #expect(try await driver.wait(id) == ExitResult(exitCode: 4))
        #expect(try driver.receivedSignals(id) == [])
    }

    // MARK: start_error, start_error_recoverable, start_block_for

    @Test func startErrorFailsTheStartUnrecoverablyByDefault() async {
        await #expect(throws: DriverError.startFailed(reason: "no luck", recoverable: false)) {
            try await driver.start(task(["start_error": .string("no luck")]))
        }
    }

    @Test(arguments: [true, false])
    func startErrorRecoverableSetsTheFlag(recoverable: Bool) async {
        await #expect(throws: DriverError.startFailed(reason: "busy", recoverable: recoverable)) {
            try await driver.start(task(["start_error": .string("busy"), "start_error_recoverable": .bool(recoverable)]))
        }
    }

    @Test func aFailedStartLeavesNoTask() async {
        _ = try? await driver.start(task(["start_error": .string("no luck")]))
        await #expect(throws: DriverError.taskNotFound(id: id)) { try await driver.inspect(id) }
    }

    @Test func startBlockForDelaysTheStart() async throws {
        let start = ContinuousClock.now
        _ = try await driver.start(task(["start_block_for": .string("200ms")]))
        let took = elapsed(since: start)
        #expect(took >= .milliseconds(190) && took < .seconds(5))
    }

    @Test func startBlockForDelaysAFailingStartToo() async {
        let start = ContinuousClock.now
        await #expect(throws: DriverError.startFailed(reason: "late", recoverable: false)) {
            try await driver.start(task(["start_block_for": .string("150ms"), "start_error": .string("late")]))
        }
        #expect(elapsed(since: start) >= .milliseconds(140))
    }

    @Test func aSecondStartOfTheSameIDIsRefused() async throws {
        _ = try await driver.start(task([:]))
        await #expect(throws: DriverError.startFailed(reason: "task \(id) already exists", recoverable: false)) {
            try await driver.start(task([:]))
        }
    }

    @Test func startRefusesAnInvalidConfig() async {
        await #expect(throws: DriverError.invalidConfig(key: "config.exit_code", reason: "must be 0 to 255, got 300")) {
            try await driver.start(task(["exit_code": .integer(300)]))
        }
    }

    // MARK: signal and signal_error

    @Test func signalsAreRecordedInOrder() async throws {
        _ = try await driver.start(task([:]))
        try await driver.signal(id, signal: SIGHUP)
        try await driver.signal(id, signal: SIGUSR1)
        #expect(try driver.receivedSignals(id) == [SIGHUP, SIGUSR1])
        #expect(try await driver.inspect(id).state == .running)
    }

    @Test func signalErrorFailsTheSignal() async throws {
        _ = try await driver.start(task(["signal_error": .string("permission denied")]))
        do {
            try await driver.signal(id, signal: SIGHUP)
            Issue.record("signal did not throw")
        } catch {
            #expect(error == .failed(operation: "signal task \(id)", reason: "permission denied", recoverable: false))
            #expect(error.description.contains("permission denied"))
            #expect(!error.recoverable)
        }
        #expect(try driver.receivedSignals(id) == [])
    }

    @Test func signallingAnExitedTaskIsRefused() async throws {
        _ = try await driver.start(task(["run_for": .string("10ms")]))
        _ = try await driver.wait(id)
        await #expect(throws: DriverError.taskNotRunning(id: id)) { try await driver.signal(id, signal: SIGHUP) }
    }

    // MARK: stdout_string, stdout_repeat, stdout_repeat_duration

    @Test func stdoutStringIsWrittenRepeatPlusOneTimes() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/web.stdout"
        _ = try await driver.start(task(["stdout_string": .string("hello\n"), "stdout_repeat": .integer(2),
                                         "stdout_repeat_duration": .string("50ms"), "run_for": .string("600ms")],
                                        stdout: out))
        // The writes end at about 100ms, long before the exit.
        _ = try await driver.wait(id)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "hello\nhello\nhello\n")
    }

    /// As Nomad's mock: running out `run_for` waits for the output to be written; only a kill cuts it.
    @Test func aRunShorterThanItsOutputExitsOnceTheOutputIsWritten() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/web.stdout"
        _ = try await driver.start(task(["stdout_string": .string("hi\n"), "stdout_repeat": .integer(2),
                                         "stdout_repeat_duration": .string("50ms"), "run_for": .string("1ms")],
                                        stdout: out))
        _ = try await driver.wait(id)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "hi\nhi\nhi\n")
    }

    @Test func stdoutStringIsAppendedToTheLog() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/web.stdout"
        try "earlier\n".write(toFile: out, atomically: false, encoding: .utf8)
        _ = try await driver.start(task(["stdout_string": .string("once\n"), "run_for": .string("300ms")], stdout: out))
        _ = try await driver.wait(id)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "earlier\nonce\n")
    }

    // MARK: destroy

    @Test func destroyingARunningTaskNeedsForce() async throws {
        _ = try await driver.start(task([:]))
        await #expect(throws: DriverError.taskStillRunning(id: id)) { try await driver.destroy(id, force: false) }
        #expect(try await driver.inspect(id).state == .running)
    }

    @Test func aForcedDestroyKillsAndForgetsTheTask() async throws {
        _ = try await driver.start(task([:]))
        let driver = driver, id = id
        // Runs until it waits on the task: the wait is registered before the destroy.
        let waiter = Task.immediate { try await driver.wait(id) }
        try await driver.destroy(id, force: true)
        #expect(try await waiter.value == ExitResult(exitCode: 137, signal: 9))
        await #expect(throws: DriverError.taskNotFound(id: id)) { try await driver.wait(id) }
    }

    @Test func anExitedTaskIsDestroyedWithoutForce() async throws {
        _ = try await driver.start(task(["run_for": .string("10ms")]))
        _ = try await driver.wait(id)
        try await driver.destroy(id, force: false)
        await #expect(throws: DriverError.taskNotFound(id: id)) { try await driver.inspect(id) }
    }

    @Test func anUnknownIDIsNotFoundEverywhere() async {
        let unknown = "nope/web/0"
        let notFound = DriverError.taskNotFound(id: unknown)
        await #expect(throws: notFound) { try await driver.wait(unknown) }
        await #expect(throws: notFound) { try await driver.stop(unknown, timeout: .seconds(1), signal: SIGTERM) }
        await #expect(throws: notFound) { try await driver.destroy(unknown, force: true) }
        await #expect(throws: notFound) { try await driver.inspect(unknown) }
        await #expect(throws: notFound) { try await driver.stats(unknown, interval: .milliseconds(10)) }
        await #expect(throws: notFound) { try await driver.signal(unknown, signal: SIGTERM) }
        await #expect(throws: notFound) { try await driver.exec(unknown, command: ["true"], timeout: .seconds(1)) }
        await #expect(throws: notFound) { try await driver.execStreaming(unknown, command: ["true"], options: ExecOptions()) }
        #expect(throws: notFound) { try driver.receivedSignals(unknown) }
    }

    // MARK: stats

    @Test func statsStreamWhileTheTaskRunsAndEndWithIt() async throws {
        _ = try await driver.start(task(["run_for": .string("300ms")]))
        var readings: [TaskResourceUsage] = []
        for await usage in try await driver.stats(id, interval: .milliseconds(20)) {
            readings.append(usage)
        }
        #expect(readings.count >= 2)
        #expect(readings.allSatisfy { $0.pids == 1 && $0.memory.rss == 1 << 20 })
        // The stream ended because the task exited.
        #expect(try await driver.inspect(id).state == .exited)
    }

    @Test func statsOfAnExitedTaskEndAtOnce() async throws {
        _ = try await driver.start(task(["run_for": .string("10ms")]))
        _ = try await driver.wait(id)
        var count = 0
        for await _ in try await driver.stats(id, interval: .milliseconds(10)) { count += 1 }
        #expect(count == 0)
    }

    // MARK: exec

    @Test func execEchoesTheCommand() async throws {
        _ = try await driver.start(task([:]))
        let result = try await driver.exec(id, command: ["echo", "hi there"], timeout: .seconds(1))
        #expect(result == ExecResult(stdout: Array("echo hi there\n".utf8), stderr: [], exitCode: 0))
        #expect(result.stdoutText == "echo hi there\n")
    }

    @Test func streamingExecEchoesTheCommand() async throws {
        _ = try await driver.start(task([:]))
        let session = try await driver.execStreaming(id, command: ["ls", "/"], options: ExecOptions())
        var out: [UInt8] = []
        for await chunk in session.stdout { out += chunk }
        var err: [UInt8] = []
        for await chunk in session.stderr { err += chunk }
        #expect(String(decoding: out, as: UTF8.self) == "ls /\n")
        #expect(err.isEmpty)
        #expect(await session.exitCode() == 0)
    }

    @Test func execIntoAnExitedTaskIsRefused() async throws {
        _ = try await driver.start(task(["run_for": .string("10ms")]))
        _ = try await driver.wait(id)
        await #expect(throws: DriverError.taskNotRunning(id: id)) {
            try await driver.exec(id, command: ["true"], timeout: .seconds(1))
        }
    }

    // MARK: recover

    @Test func aNewDriverRecoversATaskFromItsHandle() async throws {
        let handle = try await driver.start(task(["run_for": .string("300ms"), "exit_code": .integer(7)]))
        #expect(handle.driver == "mock" && handle.id == id)
        let restarted = MockDriver()
        try await restarted.recover(handle)
        #expect(try await restarted.wait(id) == ExitResult(exitCode: 7))
    }

    /// A handle as if the task had started `ago` before now.
    func handle(_ mock: DriverConfig, startedAgo ago: Duration) -> TaskHandle {
        let startedAt = MockDriver.unixNanos() - UInt64(ago.components.seconds) * 1_000_000_000
            - UInt64(ago.components.attoseconds / 1_000_000_000)
        return TaskHandle(driver: "mock", config: task(mock), driverState: "{\"started_at_ns\":\(startedAt)}")
    }

    @Test func aRecoveredTaskRunsOnlyWhatIsLeftOfRunFor() async throws {
        // 19 of 20 seconds ran before the restart: one is left, far from the whole 20 (bounds wide
        // enough for a machine busy with other tests).
        let handle = handle(["run_for": .string("20s"), "exit_code": .integer(4)], startedAgo: .seconds(19))
        let start = ContinuousClock.now
        try await driver.recover(handle)
        let result = try await driver.wait(id)
        let took = elapsed(since: start)
        #expect(result == ExitResult(exitCode: 4))
        #expect(took >= .milliseconds(900) && took < .seconds(10))
    }

    @Test func aRecoveredTaskWhoseRunForPassedHasExited() async throws {
        let handle = handle(["run_for": .string("20s"), "exit_signal": .integer(15)], startedAgo: .seconds(30))
        let start = ContinuousClock.now
        try await driver.recover(handle)
        #expect(try await driver.wait(id) == ExitResult(exitCode: 143, signal: 15))
        #expect(elapsed(since: start) < .seconds(10))
        // The recovered task keeps its original start time (thirty seconds ago), in RFC 3339.
        let startedAt = try await driver.inspect(id).startedAt
        let thirtySecondsAgo = Date().addingTimeInterval(-30).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
        #expect(startedAt.prefix(16) == thirtySecondsAgo.prefix(16), "started \(startedAt), expected about \(thirtySecondsAgo)")
    }

    @Test func aRecoveredTaskDoesNotRewriteItsStdout() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/web.stdout"
        var handle = handle(["run_for": .string("1s"), "stdout_string": .string("again\n")], startedAgo: .seconds(10))
        handle.config.stdoutPath = out
        try await driver.recover(handle)
        _ = try await driver.wait(id)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func recoveringATaskTheDriverHasIsANoOp() async throws {
        let handle = try await driver.start(task([:]))
        try await driver.signal(id, signal: SIGHUP)
        try await driver.recover(handle)
        #expect(try driver.receivedSignals(id) == [SIGHUP])
    }

    @Test func aHandleOfAnotherDriverIsRefused() async throws {
        var handle = try await driver.start(task([:]))
        handle.driver = "exec"
        await #expect(throws: DriverError.invalidConfig(key: "handle.driver", reason: "\"exec\" is not this driver (mock)")) {
            try await MockDriver().recover(handle)
        }
    }

    @Test func aHandleWithoutAMockRecordIsRefused() async {
        let handle = TaskHandle(driver: "mock", config: task([:]), driverState: "{\"pid\":12}")
        await #expect(throws: DriverError.invalidConfig(key: "handle.driver_state", reason: "not a mock task record")) {
            try await driver.recover(handle)
        }
    }

    // MARK: validate

    @Test func validateAcceptsEveryKnob() throws {
        try driver.validate([
            "run_for": .string("1s"), "exit_code": .integer(1), "exit_signal": .integer(9), "exit_err_msg": .string("e"),
            "start_error": .string("s"), "start_error_recoverable": .bool(true), "start_block_for": .integer(5),
            "kill_after": .string("2s"), "signal_error": .string("x"), "stdout_string": .string("o"),
            "stdout_repeat": .integer(3), "stdout_repeat_duration": .string("10ms"),
        ])
    }

    @Test func validateRefusesUnknownKeys() {
        #expect(throws: DriverError.invalidConfig(key: "config.run_fr", reason: "unknown key (this driver takes: "
            + "exit_code, exit_err_msg, exit_signal, kill_after, run_for, signal_error, start_block_for, start_error, "
            + "start_error_recoverable, stdout_repeat, stdout_repeat_duration, stdout_string)")) {
            try driver.validate(["run_fr": .string("1s")])
        }
    }

    @Test func validateRefusesWrongTypes() {
        #expect(throws: DriverError.invalidConfig(key: "config.run_for", reason: "expected a duration like \"5s\", got a bool true")) {
            try driver.validate(["run_for": .bool(true)])
        }
        #expect(throws: DriverError.invalidConfig(key: "config.exit_code", reason: "expected an integer, got a string \"1\"")) {
            try driver.validate(["exit_code": .string("1")])
        }
    }

    @Test func validateRefusesExitCodesAndSignalsOutOfRange() {
        #expect(throws: DriverError.invalidConfig(key: "config.exit_code", reason: "must be 0 to 255, got 300")) {
            try driver.validate(["exit_code": .integer(300)])
        }
        #expect(throws: DriverError.invalidConfig(key: "config.exit_signal", reason: "must be 0 to 255, got -1")) {
            try driver.validate(["exit_signal": .integer(-1)])
        }
    }

    @Test func validateRefusesANegativeRepeat() {
        #expect(throws: DriverError.invalidConfig(key: "config.stdout_repeat", reason: "must not be negative, got -1")) {
            try driver.validate(["stdout_repeat": .integer(-1)])
        }
    }

    @Test func theDriverDescribesItself() async {
        #expect(driver.name == "mock")
        #expect(driver.capabilities == DriverCapabilities(sendSignals: true, exec: true, fsIsolation: .none))
        #expect(await driver.fingerprint() == Fingerprint(health: .healthy, attributes: ["driver.mock": "true"]))
        #expect(driver.configSchema.attribute("run_for")?.type == .duration)
    }
}

@Suite struct ExitResultTests {
    @Test func onlyAPlainZeroExitIsSuccessful() {
        #expect(ExitResult(exitCode: 0).successful)
        #expect(!ExitResult(exitCode: 1).successful)
        #expect(!ExitResult(exitCode: 0, signal: 9).successful)
        #expect(!ExitResult(exitCode: 0, error: "lost").successful)
    }

    @Test func jsonUsesNomadsKeys() throws {
        let data = try JSONEncoder().encode(ExitResult(exitCode: 137, signal: 9, oomKilled: true))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["exit_code", "signal", "oom_killed"])
        #expect(try JSONDecoder().decode(ExitResult.self, from: data) == ExitResult(exitCode: 137, signal: 9, oomKilled: true))
    }
}

@Suite struct OneShotTests {
    @Test func onlyTheFirstResolveSetsTheValue() async {
        let shot = OneShot<Int>()
        #expect(shot.current == nil)
        #expect(shot.resolve(1))
        #expect(!shot.resolve(2))
        #expect(shot.current == 1)
        #expect(await shot.value() == 1)
    }

    @Test func everyWaiterGetsTheValue() async {
        let shot = OneShot<String>()
        let waiters = (0..<5).map { _ in Task.immediate { await shot.value() } }
        shot.resolve("done")
        var values: [String] = []
        for waiter in waiters { values.append(await waiter.value) }
        #expect(values == Array(repeating: "done", count: 5))
    }
}
