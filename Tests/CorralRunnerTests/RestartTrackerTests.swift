import Foundation
import Testing
@testable import CorralRunner

@Suite struct RestartTrackerTests {
    /// A tracker whose runner was made at `createdAt` (0 s by default, before every failure below).
    func tracker(_ policy: RestartPolicy, _ type: JobType = .service, seed: UInt64 = 7, createdAt: Int = 0) -> RestartTracker {
        RestartTracker(policy: policy, jobType: type, seed: seed, createdAt: t(createdAt))
    }

    @Test func batchSuccessIsNotRestarted() {
        var tracker = tracker(policy(attempts: 3), .batch)
        tracker.setExitResult(successful: true)
        #expect(tracker.decide(now: t(0)) == .terminated(reason: RestartReason.successfulExit))
    }

    @Test func serviceSuccessIsRestarted() {
        var tracker = tracker(policy(attempts: 3), .service)
        tracker.setExitResult(successful: true)
        guard case .restart(_, let reason) = tracker.decide(now: t(0)) else { Issue.record("no restart"); return }
        #expect(reason == RestartReason.withinPolicy)
    }

    @Test func failModeGivesUpAfterAttempts() {
        var tracker = tracker(policy(attempts: 2, interval: .seconds(1800)))
        var decisions: [RestartDecision] = []
        for second in 0..<3 {
            tracker.setExitResult(successful: false)
            decisions.append(tracker.decide(now: t(second)))
        }
        #expect(decisions.prefix(2).allSatisfy { if case .restart = $0 { true } else { false } })
        #expect(decisions[2] == .notRestarting(reason: "Exceeded allowed attempts 2 in interval 30m0s and mode is \"fail\""))
    }

    /// Nomad's tracker starts its first interval when the task runner is made, not at the first
    /// failure: two failures within `interval` of the runner's creation use two attempts.
    @Test func theFirstIntervalStartsWhenTheRunnerIsMade() {
        var tracker = tracker(policy(attempts: 1, interval: .seconds(60)), createdAt: 0)
        tracker.setExitResult(successful: false)
        guard case .restart = tracker.decide(now: t(30)) else { Issue.record("no restart"); return }
        tracker.setExitResult(successful: false)
        #expect(tracker.decide(now: t(50)) == .notRestarting(reason: "Exceeded allowed attempts 1 in interval 1m0s and mode is \"fail\""))
        // A runner made long before its first failure: that failure opens a new interval.
        var late = self.tracker(policy(attempts: 1, interval: .seconds(60)), createdAt: 0)
        late.setExitResult(successful: false)
        guard case .restart = late.decide(now: t(100)) else { Issue.record("no restart"); return }
        late.setExitResult(successful: false)
        #expect(late.decide(now: t(150)) == .notRestarting(reason: "Exceeded allowed attempts 1 in interval 1m0s and mode is \"fail\""))
        late.setExitResult(successful: false)
        guard case .restart = late.decide(now: t(161)) else { Issue.record("a new interval began at 160 s"); return }
    }

    @Test func delayModeWaitsOutTheInterval() {
        var tracker = tracker(policy(attempts: 1, interval: .seconds(600), delay: .seconds(15), mode: .delay))
        tracker.setExitResult(successful: false)
        _ = tracker.decide(now: t(100))
        tracker.setExitResult(successful: false)
        // The interval began when the runner was made (0 s): it ends at 600 s; the second failure at
        // 130 s waits 470 s.
        #expect(tracker.decide(now: t(130)) == .restart(delay: .seconds(470), reason: RestartReason.delay))
        // Past the interval the count starts again: a normal delay.
        tracker.setExitResult(successful: false)
        guard case .restart(let delay, let reason) = tracker.decide(now: t(700)) else { Issue.record("no restart"); return }
        #expect(reason == RestartReason.withinPolicy)
        #expect(delay >= .seconds(15) && delay <= .milliseconds(18_750))
    }

    @Test func intervalExpiryResetsTheCount() {
        var tracker = tracker(policy(attempts: 1, interval: .seconds(60)))
        tracker.setExitResult(successful: false)
        #expect(tracker.decide(now: t(0)) != .notRestarting(reason: RestartReason.exceeded(tracker.policy)))
        tracker.setExitResult(successful: false)
        // 61 s later: a new interval, so this is attempt 1 again, not 2.
        guard case .restart = tracker.decide(now: t(61)) else { Issue.record("count was not reset"); return }
        tracker.setExitResult(successful: false)
        #expect(tracker.decide(now: t(62)) == .notRestarting(reason: "Exceeded allowed attempts 1 in interval 1m0s and mode is \"fail\""))
    }

    @Test func unrecoverableStartErrorIsNotRestarted() {
        var tracker = tracker(policy(attempts: 5))
        tracker.setStartError(recoverable: false)
        #expect(tracker.decide(now: t(0)) == .notRestarting(reason: RestartReason.unrecoverableError))
    }

    @Test func recoverableStartErrorIsRestartedWithinPolicy() {
        var tracker = tracker(policy(attempts: 1))
        tracker.setStartError(recoverable: true)
        guard case .restart = tracker.decide(now: t(0)) else { Issue.record("no restart"); return }
        tracker.setStartError(recoverable: true)
        #expect(tracker.decide(now: t(1)) == .notRestarting(reason: RestartReason.exceeded(tracker.policy)))
    }

    @Test func zeroAttempts() {
        var tracker = tracker(policy(attempts: 0))
        tracker.setExitResult(successful: false)
        #expect(tracker.decide(now: t(0)) == .notRestarting(reason: "Policy allows no restarts"))
        // A service task restarts even on success, and no restart is allowed: it fails (as Nomad).
        var service = self.tracker(policy(attempts: 0), .service)
        service.setExitResult(successful: true)
        #expect(service.decide(now: t(0)) == .notRestarting(reason: "Policy allows no restarts"))
        var batch = self.tracker(policy(attempts: 0), .batch)
        batch.setExitResult(successful: true)
        #expect(batch.decide(now: t(0)) == .terminated(reason: "Policy allows no restarts"))
    }

    @Test func killedAndUserRestartsDoNotCount() {
        var tracker = tracker(policy(attempts: 1))
        tracker.setKilled()
        #expect(tracker.decide(now: t(0)) == .killed)
        for second in 1...5 {
            tracker.setRestartTriggered()
            #expect(tracker.decide(now: t(second)) == .restart(delay: .zero, reason: ""))
        }
        // Still the first counted failure: within policy.
        tracker.setExitResult(successful: false)
        guard case .restart = tracker.decide(now: t(10)) else { Issue.record("user restarts were counted"); return }
    }

    @Test func jitterStaysWithinAQuarterOfTheDelay() {
        var delays: Set<Duration> = []
        for seed in 0..<200 as Range<UInt64> {
            var tracker = tracker(policy(attempts: 10, delay: .seconds(15)), seed: seed)
            tracker.setExitResult(successful: false)
            guard case .restart(let delay, _) = tracker.decide(now: t(0)) else { Issue.record("no restart"); return }
            #expect(delay >= .seconds(15) && delay <= .milliseconds(18_750), "\(delay)")
            delays.insert(delay)
        }
        #expect(delays.count > 150, "jitter should vary with the seed")
        // Same seed, same jitter.
        var a = tracker(policy(attempts: 3), seed: 99)
        var b = tracker(policy(attempts: 3), seed: 99)
        a.setExitResult(successful: false)
        b.setExitResult(successful: false)
        #expect(a.decide(now: t(0)) == b.decide(now: t(0)))
    }

    @Test func defaultsPerJobType() {
        #expect(RestartPolicy.defaults(for: .service) == RestartPolicy(attempts: 2, interval: .seconds(1800), delay: .seconds(15), mode: .fail))
        #expect(RestartPolicy.defaults(for: .batch) == RestartPolicy(attempts: 3, interval: .seconds(86400), delay: .seconds(15), mode: .fail))
        #expect(RestartPolicy(attempts: 1, interval: .seconds(4), delay: .seconds(1), mode: .fail).problems
            == ["interval: must be at least 5s, got 4s"])
    }
}

@Suite struct GoDurationTests {
    @Test func formatsLikeGo() {
        #expect(GoDuration.format(.seconds(15)) == "15s")
        #expect(GoDuration.format(.milliseconds(15_312)) == "15.312s")
        #expect(GoDuration.format(.seconds(1800)) == "30m0s")
        #expect(GoDuration.format(.seconds(86400)) == "24h0m0s")
        #expect(GoDuration.format(.seconds(90)) == "1m30s")
        #expect(GoDuration.format(.milliseconds(250)) == "250ms")
        #expect(GoDuration.format(.zero) == "0s")
        #expect(GoDuration.format(.milliseconds(1500)) == "1.5s")
    }
}

@Suite struct KillBackoffTests {
    @Test func quadruplesUpToTheLimit() {
        let backoff = KillBackoff()
        #expect((0..<5).map { backoff.delay(afterFailure: $0) } == [.seconds(5), .seconds(20), .seconds(80), .seconds(120), .seconds(120)])
    }
}

/// A wall-clock reading `seconds` after an arbitrary origin.
private func t(_ seconds: Int) -> Date { Date(timeIntervalSince1970: 1_800_000_000 + Double(seconds)) }
