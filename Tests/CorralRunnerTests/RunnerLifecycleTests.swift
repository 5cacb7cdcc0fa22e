import Testing
@testable import CorralRunner

/// The runner's lifecycle value, walked through every sequence of up to five steps: whatever order
/// requests and loop stages come in, each request is honoured at most once, a kill or a shutdown
/// refuses every later restart, and the loop never leaves `ended`.
@Suite struct RunnerLifecycleTests {
    enum Step: CaseIterable {
        case beginLoop, starting, running, endRun, endLoop, kill, announced, force, shutdown, shutdownHooks, restart,
             takeRestart, lateKill
    }

    /// Applies `steps` and checks every invariant after each; returns what failed.
    func walk(_ steps: [Step]) -> String? {
        var life = RunnerLifecycle()
        var kills = 0, hooks = 0, lateKills = 0, loops = 0
        var stopped = false
        var pendingEnd: RunnerLifecycle.Loop?
        for (index, step) in steps.enumerated() {
            let before = life
            switch step {
            case .beginLoop: if life.beginLoop() { loops += 1 }
            case .starting: life.enter(.starting)
            case .running: life.enter(.running)
            case .endRun:
                if let next = pendingEnd {
                    life.endedRun(returningTo: next)
                    pendingEnd = nil
                } else {
                    pendingEnd = life.beginEndingRun()
                }
            case .endLoop: life.endLoop()
            case .kill: if life.requestKill() { kills += 1 }
            case .announced: life.killAnnounced()
            case .force: life.force()
            case .shutdown: life.requestShutdown()
            case .shutdownHooks:
                if life.takeShutdownHooks() {
                    hooks += 1
                    if before.shutdown != .requested { return "shutdown hooks without a shutdown" }
                }
            case .restart:
                let allowed = [.notStarted, .starting, .running].contains(before.loop) && before.kill == .none
                    && before.shutdown == .none && !before.restartPending
                if life.requestRestart() != allowed { return "restart \(allowed ? "refused" : "allowed") at \(index)" }
                if allowed && stopped { return "restart allowed after a kill or shutdown" }
            case .takeRestart: life.takeRestart()
            case .lateKill: if life.beginLateKill() { lateKills += 1 }
            }
            stopped = stopped || life.killRequested || life.shutdownRequested
            if kills > 1 || hooks > 1 || lateKills > 1 || loops > 1 { return "a request honoured twice" }
            if before.loop == .ended && life.loop != .ended { return "left ended" }
            if before.loopStarted && !life.loopStarted { return "loop un-started" }
            if before.killRequested && !life.killRequested { return "kill withdrawn" }
            if before.forced && !life.forced { return "force withdrawn" }
            if before.shutdownRequested != life.shutdownRequested && step != .shutdown { return "shutdown changed by \(step)" }
            if step == .starting && before.loop != .starting && life.loop == .starting && life.restartPending {
                return "a restart pending into a new run"
            }
            if life.killAnnouncing && before.kill == .announced { return "announced twice" }
        }
        return nil
    }

    @Test func everySequenceOfUpToFiveStepsKeepsTheInvariants() {
        var sequences: [[Step]] = [[]]
        var checked = 0
        for _ in 0..<5 {
            sequences = sequences.flatMap { prefix in Step.allCases.map { prefix + [$0] } }
            for steps in sequences {
                checked += 1
                if let failure = walk(steps) {
                    Issue.record("\(steps): \(failure)")
                    return
                }
            }
        }
        #expect(checked > 400_000)
    }

    @Test func aKillIsAnnouncedOnceAndWaitedFor() {
        var life = RunnerLifecycle()
        let first = life.requestKill()
        #expect(first && life.killAnnouncing)
        let second = life.requestKill()
        #expect(!second)
        life.killAnnounced()
        #expect(life.killRequested && !life.killAnnouncing)
        let restart = life.requestRestart()
        #expect(!restart)
    }

    @Test func aRestartIsRefusedWhileTheRunsEndIsRecordedAndBetweenRuns() {
        var life = RunnerLifecycle()
        let began = life.beginLoop()
        #expect(began)
        life.enter(.starting)
        life.enter(.running)
        let next = life.beginEndingRun()
        #expect(next == .betweenRuns)
        let whileEnding = life.requestRestart()
        #expect(!whileEnding)
        life.endedRun(returningTo: next)
        #expect(life.loop == .betweenRuns)
        let between = life.requestRestart()
        #expect(!between, "no run to restart between runs")
        life.enter(.starting)
        life.enter(.running)
        let after = life.requestRestart(), again = life.requestRestart()
        #expect(after)
        #expect(!again, "one restart pending at a time")
        life.enter(.starting)
        #expect(!life.restartPending, "a new run starts without the old run's restart")
    }

    @Test func aRunEndedByALateKillLeavesTheLoopEnded() {
        var life = RunnerLifecycle()
        _ = life.beginLoop()
        life.enter(.running)
        life.requestShutdown()
        life.endLoop()
        let late = life.beginLateKill(), lateAgain = life.beginLateKill()
        #expect(late && !lateAgain)
        let next = life.beginEndingRun()
        #expect(life.loop == .ended)
        life.endedRun(returningTo: next)
        #expect(life.loop == .ended)
        let hooks = life.takeShutdownHooks(), hooksAgain = life.takeShutdownHooks()
        #expect(hooks && !hooksAgain)
    }
}
