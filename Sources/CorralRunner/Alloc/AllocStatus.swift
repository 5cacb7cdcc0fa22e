/// An allocation's status, summarised from its tasks (Nomad's client status).
package enum AllocClientStatus: String, Codable, Sendable {
    case pending, running, complete, failed
}

/// The allocation's status with Nomad's description and every task's state.
package struct AllocStatus: Codable, Equatable, Sendable {
    package var clientStatus: AllocClientStatus
    package var description: String
    package var taskStates: [String: TaskState]

    enum CodingKeys: String, CodingKey {
        case description
        case clientStatus = "client_status"
        case taskStates = "task_states"
    }

    /// Any failed task: failed; else any running: running; else any pending: pending; else complete.
    package init(taskStates: [String: TaskState]) {
        self.taskStates = taskStates
        let states = taskStates.values
        if states.contains(where: { $0.state == .dead && $0.failed }) {
            (clientStatus, description) = (.failed, "Failed tasks")
        } else if states.contains(where: { $0.state == .running }) {
            (clientStatus, description) = (.running, "Tasks are running")
        } else if states.contains(where: { $0.state == .pending }) || states.isEmpty {
            (clientStatus, description) = (.pending, "No tasks have started")
        } else {
            (clientStatus, description) = (.complete, "All tasks have completed")
        }
    }
}
