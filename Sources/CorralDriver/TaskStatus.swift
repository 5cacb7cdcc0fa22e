/// A task's state as its driver sees it.
public enum TaskState: String, Codable, Sendable {
    case running
    case exited
    case unknown
}

/// What `inspect` tells about a task (Nomad's `TaskStatus`).
public struct TaskStatus: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var state: TaskState
    /// RFC 3339, UTC.
    public var startedAt: String
    public var completedAt: String?
    public var exitResult: ExitResult?
    /// Driver-specific facts (`pid`, `supervisor_pid`, `cgroup`…).
    public var driverAttributes: [String: String]

    public init(id: String, name: String, state: TaskState, startedAt: String, completedAt: String? = nil,
                exitResult: ExitResult? = nil, driverAttributes: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.state = state
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.exitResult = exitResult
        self.driverAttributes = driverAttributes
    }
}
