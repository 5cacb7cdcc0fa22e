/// Why a driver call failed. `recoverable` feeds the restart policy, as in Nomad: a start that
/// may work on a second try (a busy host) is recoverable; a bad config or a missing binary is not.
package enum DriverError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The driver knows no such task, or the task is gone. The runner treats it as already killed.
    case taskNotFound(id: String)
    /// The task's config is wrong; `key` names it (`config.cap_add[1]`, `config.command`).
    case invalidConfig(key: String, reason: String)
    /// The task could not be started.
    case startFailed(reason: String, recoverable: Bool)
    /// The call needs a running task, and this one has exited.
    case taskNotRunning(id: String)
    /// `destroy` without `force` of a task that still runs.
    case taskStillRunning(id: String)
    /// The driver cannot do this (e.g. exec into a task of a driver without `exec`).
    case unsupported(operation: String)
    /// A driver operation failed (a signal that could not be sent, a kill that did not take).
    case failed(operation: String, reason: String, recoverable: Bool)

    package var recoverable: Bool {
        switch self {
        case .startFailed(_, let recoverable), .failed(_, _, let recoverable): recoverable
        case .taskNotFound, .invalidConfig, .taskNotRunning, .taskStillRunning, .unsupported: false
        }
    }

    package var description: String {
        switch self {
        case .taskNotFound(let id): "task \(id) not found"
        case let .invalidConfig(key, reason): "\(key): \(reason)"
        case let .startFailed(reason, _): "cannot start task: \(reason)"
        case .taskNotRunning(let id): "task \(id) is not running"
        case .taskStillRunning(let id): "task \(id) is still running; stop it first or destroy with force"
        case .unsupported(let operation): "this driver does not support \(operation)"
        case let .failed(operation, reason, _): "\(operation): \(reason)"
        }
    }
}
