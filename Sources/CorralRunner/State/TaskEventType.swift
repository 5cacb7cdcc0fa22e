/// The kinds of task event, with the names Nomad gives them (operators and scripts match on them).
package enum TaskEventType: String, Codable, Sendable, CaseIterable {
    case received = "Received"
    case setup = "Task Setup"
    case started = "Started"
    case terminated = "Terminated"
    case restarting = "Restarting"
    case notRestarting = "Not Restarting"
    case killing = "Killing"
    case killed = "Killed"
    case driverFailure = "Driver Failure"
    case setupFailure = "Setup Failure"
    case signaling = "Signaling"
    case restartSignaled = "Restart Signaled"
    case failedValidation = "Failed Validation"
    case oomKilled = "OOM Killed"
    case siblingFailed = "Sibling Task Failed"
    case leaderDead = "Leader Task Dead"
    /// A kill waits out the task's `shutdown_delay` before it signals the task.
    case waitingShutdownDelay = "Waiting for shutdown delay"
    /// A hook's warning (unknown `${...}` keys, say): informs, changes nothing.
    case hookWarning = "Task Hook Warning"
    /// The task's logs dropped output while their file system was full (reported after `Terminated`).
    case logOutputDropped = "Log Output Dropped"
    /// A write to the state store failed: the runner goes on from memory and retries.
    case statePersistFailed = "State Persist Failed"
}
