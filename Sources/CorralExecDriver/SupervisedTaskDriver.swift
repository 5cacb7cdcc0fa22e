import CorralDriver

/// What the exec and raw_exec drivers answer the same way, through their `SupervisedDriverCore`:
/// everything but starting a task and building a command's plan.
protocol SupervisedTaskDriver: TaskDriver {
    var core: SupervisedDriverCore { get }
}

extension SupervisedTaskDriver {
    package func wait(_ id: String) async throws(DriverError) -> ExitResult { try await core.wait(id) }

    package func stop(_ id: String, timeout: Duration, signal: Int32) async throws(DriverError) {
        try await core.stop(id, timeout: timeout, signal: signal)
    }

    package func destroy(_ id: String, force: Bool) async throws(DriverError) { try await core.destroy(id, force: force) }

    package func inspect(_ id: String) async throws(DriverError) -> TaskStatus { try core.inspect(id) }

    package func stats(_ id: String, interval: Duration) async throws(DriverError) -> AsyncStream<TaskResourceUsage> {
        try core.stats(id, interval: interval, megahertzPerCPU: NodeFingerprint.cpuMegahertz())
    }

    package func signal(_ id: String, signal: Int32) async throws(DriverError) { try core.signal(id, signal: signal) }

    package func exec(_ id: String, command: [String], timeout: Duration) async throws(DriverError) -> ExecResult {
        let session = try await execStreaming(id, command: command, options: ExecOptions(timeout: timeout))
        return await ExecSessionRunner.collect(session, timeout: timeout)
    }

    package func recover(_ handle: TaskHandle) async throws(DriverError) {
        let core = self.core
        try await core.offPool("task-recover") { () throws(DriverError) in try core.recover(handle) }
    }

    package func recoverLost(_ id: String) async throws(DriverError) -> TaskHandle {
        let core = self.core
        return try await core.offPool("task-recover") { () throws(DriverError) in try core.recoverLost(id) }
    }
}
