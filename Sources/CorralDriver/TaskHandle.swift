/// What the runner persists about a started task so that a later driver instance can `recover` it
/// (Nomad's `TaskHandle`). `driverState` is the driver's own record, as JSON text: opaque to the runner.
public struct TaskHandle: Codable, Equatable, Sendable {
    /// Bumped when a driver changes what `driverState` holds.
    public var version: Int
    public var driver: String
    public var config: TaskConfig
    public var driverState: String

    public init(version: Int = 1, driver: String, config: TaskConfig, driverState: String) {
        self.version = version
        self.driver = driver
        self.config = config
        self.driverState = driverState
    }

    public var id: String { config.id }
}
