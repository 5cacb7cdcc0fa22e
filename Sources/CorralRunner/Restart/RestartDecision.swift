/// What the restart tracker decided after a run ended (Nomad's `GetState` results).
public enum RestartDecision: Equatable, Sendable {
    /// Start again after `delay`; `reason` for the `Restarting` event.
    case restart(delay: Duration, reason: String)
    /// Give up; the task is dead and failed (`Not Restarting`).
    case notRestarting(reason: String)
    /// The task ended as it should (a batch task exiting 0): dead, not failed.
    case terminated(reason: String)
    /// The task was killed: dead; the kill reports itself.
    case killed
}

/// The reason strings of Nomad's restart tracker, word for word: operators search for them.
public enum RestartReason {
    public static let noRestartsAllowed = "Policy allows no restarts"
    public static let unrecoverableError = "Error was unrecoverable"
    public static let withinPolicy = "Restart within policy"
    public static let delay = "Exceeded allowed attempts, applying a delay"
    public static let successfulExit = "Restart unnecessary as task terminated successfully"

    public static func exceeded(_ policy: RestartPolicy) -> String {
        "Exceeded allowed attempts \(policy.attempts) in interval \(GoDuration.format(policy.interval)) and mode is \"\(policy.mode.rawValue)\""
    }
}
