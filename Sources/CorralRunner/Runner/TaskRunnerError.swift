import CorralDriver

/// Why a request to a task runner (or its construction) was refused.
package enum TaskRunnerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The allocation's group has no task of this name.
    case unknownTask(allocID: String, task: String)
    /// No driver of this name is registered.
    case unknownDriver(task: String, driver: String)
    /// The request needs a running task.
    case notRunning(task: String)
    case invalidSignal(String)
    /// The driver refused the request.
    case driver(DriverError)

    package var description: String {
        switch self {
        case let .unknownTask(allocID, task): "allocation \(allocID) has no task \"\(task)\""
        case let .unknownDriver(task, driver): "task \"\(task)\": unknown driver \"\(driver)\""
        case .notRunning(let task): "task \"\(task)\" is not running"
        case .invalidSignal(let name): "unknown signal \"\(name)\""
        case .driver(let error): "\(error)"
        }
    }
}
