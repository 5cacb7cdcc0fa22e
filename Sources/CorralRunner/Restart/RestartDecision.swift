/// What the restart tracker decided after a run ended (Nomad's `GetState` results).
package enum RestartDecision: Equatable, Sendable {
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
package enum RestartReason {
    package static let noRestartsAllowed = "Policy allows no restarts"
    package static let unrecoverableError = "Error was unrecoverable"
    package static let withinPolicy = "Restart within policy"
    package static let delay = "Exceeded allowed attempts, applying a delay"
    package static let successfulExit = "Restart unnecessary as task terminated successfully"

    package static func exceeded(_ policy: RestartPolicy) -> String {
        "Exceeded allowed attempts \(policy.attempts) in interval \(GoDuration.format(policy.interval)) and mode is \"\(policy.mode.rawValue)\""
    }
}
