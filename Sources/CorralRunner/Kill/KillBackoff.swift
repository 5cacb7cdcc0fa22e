/// How the runner retries a kill the driver failed: after failure `i` (from 0) it waits
/// `min(4^i × baseline, limit)`, and gives up after `failureLimit` attempts (Nomad: 5 s, 2 min, 5).
package struct KillBackoff: Equatable, Sendable {
    package var baseline: Duration
    package var limit: Duration
    package var failureLimit: Int

    package init(baseline: Duration = .seconds(5), limit: Duration = .seconds(120), failureLimit: Int = 5) {
        self.baseline = baseline
        self.limit = limit
        self.failureLimit = failureLimit
    }

    /// The wait after failed attempt `attempt` (0-based).
    package func delay(afterFailure attempt: Int) -> Duration {
        var delay = baseline
        for _ in 0..<max(attempt, 0) {
            delay *= 4
            if delay >= limit { return limit }
        }
        return min(delay, limit)
    }
}
