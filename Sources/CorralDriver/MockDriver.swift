#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The `mock` driver: tasks that run for a while and exit as configured, with Nomad's mock driver
/// knobs (`run_for`, `exit_code`, `start_error`, `kill_after`, `signal_error`, `stdout_string`…). It
/// starts no process; it lets the runner's every path be tested fast and without privileges.
package final class MockDriver: TaskDriver {
    package let name = "mock"
    package let configSchema = MockTaskConfig.schema
    package let capabilities = DriverCapabilities(sendSignals: true, exec: true, fsIsolation: .none)
    private let tasks = Mutex<[String: MockTask]>([:])

    package init() {}

    package func validate(_ config: DriverConfig) throws(DriverError) {
        _ = try MockTaskConfig.parse(config)
    }

    package func fingerprint() async -> Fingerprint {
        Fingerprint(health: .healthy, attributes: ["driver.mock": "true"])
    }

    package func start(_ config: TaskConfig) async throws(DriverError) -> TaskHandle {
        let mock = try MockTaskConfig.parse(config.driverConfig)
        if let block = mock.startBlockFor { try? await Task.sleep(for: block) }
        if let error = mock.startError { throw .startFailed(reason: error, recoverable: mock.startErrorRecoverable) }
        let task = MockTask(config: config, mock: mock, startedAt: Self.unixNanos(), alreadyRan: .zero)
        let added = tasks.withLock { tasks -> Bool in
            guard tasks[config.id] == nil else { return false }
            tasks[config.id] = task
            return true
        }
        guard added else { throw .startFailed(reason: "task \(config.id) already exists", recoverable: false) }
        task.run()
        return TaskHandle(driver: name, config: config, driverState: "{\"started_at_ns\":\(task.startedAt)}")
    }

    private func task(_ id: String) throws(DriverError) -> MockTask {
        guard let task = tasks.withLock({ $0[id] }) else { throw .taskNotFound(id: id) }
        return task
    }

    package func wait(_ id: String) async throws(DriverError) -> ExitResult {
        try await task(id).exit.value()
    }

    package func stop(_ id: String, timeout: Duration, signal: Int32) async throws(DriverError) {
        let task = try task(id)
        guard task.exit.current == nil else { return }
        task.signals.withLock { $0.append(signal) }
        // The task dies `kill_after` after the signal, reporting its configured `exit_code` and
        // `exit_signal` as Nomad's mock driver does (not the signal it was sent), unless it exits by
        // itself first (`run_for`); one that outlasts the timeout is killed then (SIGKILL, 137).
        let dies = min(task.mock.killAfter, timeout)
        let result = task.mock.killAfter <= timeout ? task.mock.naturalExit : ExitResult(exitCode: 128 + SIGKILL, signal: SIGKILL)
        if await withDeadline(dies, { await task.exit.value() }) == nil {
            task.finish(result)
        }
        _ = await task.exit.value()
    }

    package func destroy(_ id: String, force: Bool) async throws(DriverError) {
        let task = try task(id)
        if task.exit.current == nil {
            guard force else { throw .taskStillRunning(id: id) }
            task.finish(ExitResult(exitCode: 128 + SIGKILL, signal: SIGKILL))
        }
        tasks.withLock { _ = $0.removeValue(forKey: id) }
    }

    package func inspect(_ id: String) async throws(DriverError) -> TaskStatus {
        let task = try task(id)
        let exit = task.exit.current
        return TaskStatus(id: id, name: task.config.name, state: exit == nil ? .running : .exited,
                          startedAt: Self.rfc3339(unixNanos: task.startedAt), completedAt: exit == nil ? nil : task.completedAt.withLock { $0 },
                          exitResult: exit)
    }

    package func stats(_ id: String, interval: Duration) async throws(DriverError) -> AsyncStream<TaskResourceUsage> {
        let task = try task(id)
        return AsyncStream { continuation in
            let sampler = Task {
                var tick: UInt64 = 0
                while !Task.isCancelled, task.exit.current == nil {
                    tick += 1
                    continuation.yield(MockTask.usage(tick: tick))
                    // A sampling period, not synchronisation.
                    try? await Task.sleep(for: interval)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in sampler.cancel() }
        }
    }

    package func signal(_ id: String, signal: Int32) async throws(DriverError) {
        let task = try task(id)
        if let error = task.mock.signalError {
            throw .failed(operation: "signal task \(id)", reason: error, recoverable: false)
        }
        guard task.exit.current == nil else { throw .taskNotRunning(id: id) }
        task.signals.withLock { $0.append(signal) }
    }

    /// The signals a task has received, in order (for tests).
    package func receivedSignals(_ id: String) throws(DriverError) -> [Int32] {
        try task(id).signals.withLock { $0 }
    }

    package func exec(_ id: String, command: [String], timeout: Duration) async throws(DriverError) -> ExecResult {
        let task = try task(id)
        guard task.exit.current == nil else { throw .taskNotRunning(id: id) }
        return ExecResult(stdout: Array((command.joined(separator: " ") + "\n").utf8), stderr: [], exitCode: 0)
    }

    package func execStreaming(_ id: String, command: [String], options: ExecOptions) async throws(DriverError) -> ExecSession {
        let result = try await exec(id, command: command, timeout: options.timeout ?? .seconds(60))
        let stdout = AsyncStream<[UInt8]> { $0.yield(result.stdout); $0.finish() }
        let stderr = AsyncStream<[UInt8]> { $0.finish() }
        return ExecSession(stdout: stdout, stderr: stderr, exit: { result.exitCode })
    }

    /// A mock task survives a restart of its driver: it resumes with what is left of `run_for`
    /// (and has exited if that passed meanwhile).
    package func recover(_ handle: TaskHandle) async throws(DriverError) {
        guard handle.driver == name else {
            throw .invalidConfig(key: "handle.driver", reason: "\"\(handle.driver)\" is not this driver (mock)")
        }
        if tasks.withLock({ $0[handle.id] }) != nil { return }
        guard let state = try? JSONDecoder().decode([String: UInt64].self, from: Data(handle.driverState.utf8)),
              let startedAt = state["started_at_ns"] else {
            throw .invalidConfig(key: "handle.driver_state", reason: "not a mock task record")
        }
        let mock = try MockTaskConfig.parse(handle.config.driverConfig)
        let now = Self.unixNanos()
        let ran = Duration.nanoseconds(Int64(now > startedAt ? now - startedAt : 0))
        let task = MockTask(config: handle.config, mock: mock, startedAt: startedAt, alreadyRan: ran)
        tasks.withLock { $0[handle.id] = task }
        task.run()
    }

    /// A mock task lives in this driver instance only: found if it started here.
    package func recoverLost(_ id: String) async throws(DriverError) -> TaskHandle {
        let task = try task(id)
        return TaskHandle(driver: name, config: task.config, driverState: "{\"started_at_ns\":\(task.startedAt)}")
    }

    /// RFC 3339 in UTC, as the other drivers give times.
    static func rfc3339(unixNanos: UInt64) -> String {
        let date = Date(timeIntervalSince1970: Double(unixNanos) / 1e9)
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func unixNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// One mock task: its exit (set once: by `run_for` running out, a stop or a forced destroy).
final class MockTask: Sendable {
    let config: TaskConfig
    let mock: MockTaskConfig
    let startedAt: UInt64
    /// How much of `run_for` had passed before this driver instance took the task on (recovery).
    let alreadyRan: Duration
    let exit = OneShot<ExitResult>()
    let signals = Mutex<[Int32]>([])
    let completedAt = Mutex<String?>(nil)

    init(config: TaskConfig, mock: MockTaskConfig, startedAt: UInt64, alreadyRan: Duration) {
        self.config = config
        self.mock = mock
        self.startedAt = startedAt
        self.alreadyRan = alreadyRan
    }

    func run() {
        var writer: Task<Void, Never>?
        if let text = mock.stdoutString, alreadyRan == .zero {
            writer = Task { [self] in
                for round in 0...mock.stdoutRepeat {
                    if exit.current != nil { break }
                    if round > 0 { try? await Task.sleep(for: mock.stdoutRepeatDuration) }
                    append(text, to: config.stdoutPath)
                }
            }
        }
        if let runFor = mock.runFor {
            let remaining = runFor - alreadyRan
            Task { [self, writer] in
                // The task's own lifetime: this sleep is what the mock simulates.
                if remaining > .zero { try? await Task.sleep(for: remaining) }
                // As Nomad's mock: a task that runs out its time exits once its output is written
                // (only a kill cuts the output short), however late a busy pool ran the writer.
                await writer?.value
                finish(mock.naturalExit)
            }
        }
    }

    /// Ends the task with `result` (the first end wins), its completion time recorded before any
    /// waiter sees the result.
    func finish(_ result: ExitResult) {
        completedAt.withLock { if $0 == nil { $0 = MockDriver.rfc3339(unixNanos: MockDriver.unixNanos()) } }
        exit.resolve(result)
    }

    /// Appends to the task's stdout log (creating it), as a real task's output would arrive.
    private func append(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// A made-up reading: 1 MiB resident, CPU moving with each tick.
    static func usage(tick: UInt64) -> TaskResourceUsage {
        TaskResourceUsage(
            memory: .init(rss: 1 << 20, cache: 0, swap: 0, mappedFile: 0, usage: 1 << 20, maxUsage: 1 << 20,
                          kernelUsage: 0, kernelMaxUsage: 0, measured: ["RSS", "Usage", "Max Usage"]),
            cpu: .init(systemMode: 1, userMode: Double(tick % 50), percent: Double(tick % 50) + 1, totalTicks: 0,
                       throttledPeriods: 0, throttledTime: 0, measured: ["Percent", "User Mode", "System Mode"]),
            pids: 1, timestamp: MockDriver.unixNanos())
    }
}
