/// What the runner persists about a started task so that a later driver instance can `recover` it
/// (Nomad's `TaskHandle`). `driverState` is the driver's own record, as JSON text: opaque to the runner.
package struct TaskHandle: Codable, Equatable, Sendable {
    /// Bumped when a driver changes what `driverState` holds.
    package var version: Int
    package var driver: String
    package var config: TaskConfig
    package var driverState: String

    package init(version: Int = 1, driver: String, config: TaskConfig, driverState: String) {
        self.version = version
        self.driver = driver
        self.config = config
        self.driverState = driverState
    }

    package var id: String { config.id }
}
