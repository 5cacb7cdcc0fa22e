/// A task's state as its driver sees it.
package enum TaskState: String, Codable, Sendable {
    case running
    case exited
    case unknown
}

/// What `inspect` tells about a task (Nomad's `TaskStatus`).
package struct TaskStatus: Codable, Equatable, Sendable {
    package var id: String
    package var name: String
    package var state: TaskState
    /// RFC 3339, UTC.
    package var startedAt: String
    package var completedAt: String?
    package var exitResult: ExitResult?
    /// Driver-specific facts (`pid`, `supervisor_pid`, `cgroup`…).
    package var driverAttributes: [String: String]

    package init(id: String, name: String, state: TaskState, startedAt: String, completedAt: String? = nil,
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
