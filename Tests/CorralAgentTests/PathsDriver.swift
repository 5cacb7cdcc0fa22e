import CorralDriver

/// The mock driver with an `image` key in its schema, as the exec driver has: for the tests of
/// relative host paths in job files. The key is checked, then dropped before the mock runs the task.
struct PathsDriver: TaskDriver {
    let mock = MockDriver()
    var name: String { "mock" }
    var configSchema: ConfigSchema { ConfigSchema(mock.configSchema.attributes + [ConfigAttribute("image", .string)]) }
    var capabilities: DriverCapabilities { mock.capabilities }

    func validate(_ config: DriverConfig) throws(DriverError) { try configSchema.validate(config) }
    func fingerprint() async -> Fingerprint { await mock.fingerprint() }
    func start(_ config: TaskConfig) async throws(DriverError) -> TaskHandle {
        var config = config
        config.driverConfig["image"] = nil
        return try await mock.start(config)
    }
    func wait(_ id: String) async throws(DriverError) -> ExitResult { try await mock.wait(id) }
    func stop(_ id: String, timeout: Duration, signal: Int32) async throws(DriverError) {
        try await mock.stop(id, timeout: timeout, signal: signal)
    }
    func destroy(_ id: String, force: Bool) async throws(DriverError) { try await mock.destroy(id, force: force) }
    func inspect(_ id: String) async throws(DriverError) -> TaskStatus { try await mock.inspect(id) }
    func stats(_ id: String, interval: Duration) async throws(DriverError) -> AsyncStream<TaskResourceUsage> {
        try await mock.stats(id, interval: interval)
    }
    func signal(_ id: String, signal: Int32) async throws(DriverError) { try await mock.signal(id, signal: signal) }
    func exec(_ id: String, command: [String], timeout: Duration) async throws(DriverError) -> ExecResult {
        try await mock.exec(id, command: command, timeout: timeout)
    }
    func execStreaming(_ id: String, command: [String], options: ExecOptions) async throws(DriverError) -> ExecSession {
        try await mock.execStreaming(id, command: command, options: options)
    }
    func recover(_ handle: TaskHandle) async throws(DriverError) { try await mock.recover(handle) }
}
