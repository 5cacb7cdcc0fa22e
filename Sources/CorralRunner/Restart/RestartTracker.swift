#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Counts a task's runs against its restart policy and decides what follows each end (Nomad's
/// `RestartTracker`, same rules and reasons): restarts within `interval` up to `attempts`, each after
/// `delay` plus up to 25% jitter; then `fail` gives up and `delay` waits for the interval to end.
/// Batch tasks that exit 0 are done; unrecoverable start errors are never retried; kills and
/// user-requested restarts do not count.
///
/// Its count and interval survive a restart of the runtime (`snapshot`, persisted with the task's
/// local state), so a crash does not buy a task extra attempts. Intervals are measured on the wall
/// clock, as Nomad does, because they must span runtimes.
///
/// A value type driven by the runner: set what happened (`setStartError`, `setExitResult`,
/// `setKilled`, `setRestartTriggered`), then `decide(now:)` once, which clears it.
package struct RestartTracker: Sendable {
    package let policy: RestartPolicy
    /// Restart tasks that exit 0 (every job type but batch and sysbatch).
    package let restartOnSuccess: Bool
    /// Up to this fraction of `delay` is added at random, so a group's tasks do not restart in lockstep.
    package static let jitterFraction = 0.25

    private var count = 0
    private var intervalStartTime: Date?
    /// Set when the run failed to start: whether the error may go away on a retry.
    private var startErrorRecoverable: Bool?
    private var exitSuccessful: Bool?
    private var killed = false
    private var restartTriggered = false
    private var random: SplitMix64

    /// `createdAt`: when the task runner was made. The first interval starts there, not at the first
    /// failure, as Nomad's tracker starts it (a task failing twice within `interval` of its runner's
    /// creation has used two attempts of that interval).
    package init(policy: RestartPolicy, jobType: JobType, seed: UInt64, createdAt: Date, snapshot: Snapshot? = nil) {
        self.policy = policy
        self.restartOnSuccess = !jobType.runsToCompletion
        self.random = SplitMix64(seed: seed)
        intervalStartTime = createdAt
        if let snapshot {
            count = snapshot.count
            intervalStartTime = snapshot.intervalStart ?? createdAt
        }
    }

    /// The counted attempts and the start of their interval.
    package struct Snapshot: Codable, Equatable, Sendable {
        package var count: Int
        package var intervalStart: Date?

        enum CodingKeys: String, CodingKey {
            case count
            case intervalStart = "interval_start"
        }
    }

    package var snapshot: Snapshot { Snapshot(count: count, intervalStart: intervalStartTime) }

    package mutating func setStartError(recoverable: Bool) { startErrorRecoverable = recoverable }
    package mutating func setExitResult(successful: Bool) { exitSuccessful = successful }
    package mutating func setKilled() { killed = true }
    /// A restart the user asked for: immediate, and not counted against the policy.
    package mutating func setRestartTriggered() { restartTriggered = true }

    /// The decision for the run that just ended, at `now` (the runner clock's wall time).
    package mutating func decide(now: Date) -> RestartDecision {
        defer {
            startErrorRecoverable = nil
            exitSuccessful = nil
            killed = false
            restartTriggered = false
        }
        if restartTriggered { return .restart(delay: .zero, reason: "") }
        if killed { return .killed }
        if policy.attempts == 0 {
            if startErrorRecoverable == nil, exitSuccessful == true, !restartOnSuccess {
                return .terminated(reason: RestartReason.noRestartsAllowed)
            }
            return .notRestarting(reason: RestartReason.noRestartsAllowed)
        }
        // A new interval starts once the current one is over.
        if let start = intervalStartTime, now < start.addingTimeInterval(Self.seconds(policy.interval)) {
            // still within the interval
        } else {
            count = 0
            intervalStartTime = now
        }
        count += 1

        if let recoverable = startErrorRecoverable {
            if !recoverable { return .notRestarting(reason: RestartReason.unrecoverableError) }
            return overLimitOrRestart(now: now)
        }
        if exitSuccessful == true, !restartOnSuccess { return .terminated(reason: RestartReason.successfulExit) }
        return overLimitOrRestart(now: now)
    }

    private mutating func overLimitOrRestart(now: Date) -> RestartDecision {
        if count > policy.attempts {
            switch policy.mode {
            case .fail: return .notRestarting(reason: RestartReason.exceeded(policy))
            case .delay:
                let end = (intervalStartTime ?? now).addingTimeInterval(Self.seconds(policy.interval))
                let seconds = min(max(end.timeIntervalSince(now), 0), 9.2e9)
                return .restart(delay: .nanoseconds(Int64((seconds * 1e9).rounded(.down))), reason: RestartReason.delay)
            }
        }
        return .restart(delay: jitteredDelay(), reason: RestartReason.withinPolicy)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(GoDuration.nanoseconds(duration)) / 1e9
    }

    /// `delay` plus a random 0–25% of it (at least 1 ns of base, as Nomad).
    private mutating func jitteredDelay() -> Duration {
        let base = max(GoDuration.nanoseconds(policy.delay), 1)
        let extra = Int64(Double(random.next() % UInt64(base)) * Self.jitterFraction)
        let (sum, overflow) = base.addingReportingOverflow(extra)
        return .nanoseconds(overflow ? Int64.max : sum)
    }
}

/// A small seedable generator (SplitMix64), so the jitter of a test run is reproducible.
struct SplitMix64: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
