#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CorralDriver

extension TaskRunner {
    /// What the loop does after one pass.
    enum Step {
        /// A run ended (or failed to start): ask the restart tracker.
        case decide
        /// A kill arrived before the task started: stop without starting.
        case stop
        /// The runner shuts down, leaving the task as it is.
        case shutdown
    }

    /// Runs the task until it is dead or the runner shuts down. After `restore`, it continues with
    /// the recovered run (or the pending restart decision, or the rest of a restart delay) instead of
    /// starting a new run.
    package func run() async {
        guard lifecycle.beginLoop() else { return await finished.value() }
        defer {
            lifecycle.endLoop()
            finished.resolve(())
        }
        guard state.state != .dead else { return }
        if !restored || state.events.isEmpty { await record([.received(at: clock.now())]) }
        // Restored during a restart delay: wait out what is left of it first.
        if let due = local.restartAt, handle == nil, pendingExit == nil, !lifecycle.killRequested {
            let remaining = due.timeIntervalSince(clock.now())
            if remaining > 0 {
                switch await waitOutRestartDelay(Self.duration(seconds: remaining)) {
                case .shutdown: return
                case .stop: return await finishAsDead()
                case .restart: break
                }
            }
        }

        loop: while true {
            if lifecycle.shutdownRequested { return }
            if lifecycle.killRequested, handle == nil, pendingExit == nil { break loop }
            switch await runOnce() {
            case .shutdown: return
            case .stop: break loop
            case .decide:
                switch await decideRestart() {
                case .restart: continue loop
                case .stop: break loop
                case .shutdown: return
                }
            }
        }
        await finishAsDead()
    }

    /// One run: prestart, start, poststart, wait, exited. Skips to the wait after `restore`.
    func runOnce() async -> Step {
        if let exit = pendingExit {
            pendingExit = nil
            tracker.setExitResult(successful: exit.successful)
            return .decide
        }
        if handle == nil {
            lifecycle.enter(.starting)
            let taskConfig: TaskConfig
            do {
                taskConfig = try await prestartCancellable()
            } catch {
                if error.cancelled { return lifecycle.shutdownRequested && !lifecycle.killRequested ? .shutdown : .stop }
                tracker.setStartError(recoverable: error.recoverable)
                return .decide
            }
            if lifecycle.shutdownRequested { return .shutdown }
            if lifecycle.killRequested { return .stop }
            do {
                // Not started because the run could not be recorded before the shutdown.
                guard try await start(taskConfig) else { return .shutdown }
            } catch {
                await record([.driverFailure(at: clock.now(), error: "\(error)")])
                tracker.setStartError(recoverable: error.recoverable)
                return .decide
            }
        }
        lifecycle.enter(.running)
        await runPoststartHooks()

        while true {
            let result: ExitResult?
            switch await waitForExit() {
            case .shutdown: return .shutdown
            case .exited(let exit): result = exit
            case .waitFailed(let message): result = ExitResult(exitCode: -1, error: "cannot wait for the task: \(message)")
            case .kill: result = await killRunningTask()
            case .restart:
                // A restart whose stop failed leaves the run going: wait on it again.
                guard let exit = await restartRunningTask() else { continue }
                result = exit
            case .timer: result = nil
            }
            // An end that could not be stored before a shutdown: the run is left as it is (its exit
            // stays in exit.json) for the next runner to take up.
            guard await endRun(result) else { return .shutdown }
            return .decide
        }
    }

    /// Starts the driver task. The run's id (`alloc/task/<n>`) is persisted as used before the start;
    /// the handle, `Started` and `running` in one write right after it. False, and nothing started,
    /// when the run's id could not be stored (the runner shut down first).
    func start(_ taskConfig: TaskConfig) async throws(DriverError) -> Bool {
        local.runCount += 1
        // The run's id must be on disk before the run exists: a restored runner looks for it there.
        guard await persistLocal() else {
            local.runCount -= 1
            return false
        }
        let handle = try await driver.start(taskConfig)
        self.handle = handle
        local.driverHandle = handle
        await record([.started(at: clock.now())], transition: .running, withLocal: true)
        return true
    }

    /// Waits for the run to end, or for a kill, restart or shutdown request.
    func waitForExit() async -> Wake {
        guard let handle else { return .waitFailed("no running task") }
        let wake = OneShot<Wake>()
        self.wake = wake
        if lifecycle.shutdownRequested { wake.resolve(.shutdown) }
        if lifecycle.killRequested { wake.resolve(.kill) }
        if lifecycle.restartPending { wake.resolve(.restart) }
        let driver = self.driver
        let id = handle.id
        let waiter = Task {
            do {
                wake.resolve(.exited(try await driver.wait(id)))
            } catch {
                wake.resolve(.waitFailed("\(error)"))
            }
        }
        let woke = await wake.value()
        self.wake = nil
        waiter.cancel()
        return woke
    }

    /// Records how the run ended (once per run, even when a restored runner sees the same exit
    /// again) together with forgetting its handle, frees the driver's task and runs the exited hooks.
    /// False when the end could not be stored (the runner shut down first): nothing was freed.
    @discardableResult
    func endRun(_ result: ExitResult?) async -> Bool {
        guard let handle else { return true }
        let next = lifecycle.beginEndingRun()
        defer { lifecycle.endedRun(returningTo: next) }
        self.handle = nil
        local.driverHandle = nil
        var events: [TaskEvent] = []
        if let result, !state.events.contains(where: { $0.type == .terminated && $0.details["task_id"] == handle.id }) {
            var terminated = TaskEvent.terminated(at: clock.now(), result)
            terminated.details["task_id"] = handle.id
            events.append(terminated)
            if result.oomKilled {
                events.append(.oomKilled(at: clock.now(), memoryLimitBytes: handle.config.resources.memoryLimitBytes))
                metrics.oomKill()
            }
            if let dropped = result.logDroppedBytes, dropped > 0 {
                events.append(.logOutputDropped(at: clock.now(), bytes: dropped))
            }
        }
        guard await record(events, withLocal: true) else { return false }
        try? await driver.destroy(handle.id, force: true)
        for hook in hooks.compactMap({ $0 as? any TaskExitedHook }) {
            try? await hook.exited(result: result, context: hookContext())
        }
        tracker.setExitResult(successful: result?.successful ?? false)
        return true
    }

    enum Continuation { case restart, stop, shutdown }

    /// Asks the restart tracker and records its decision, with the tracker's count and when the
    /// restart is due, in one write; then sleeps out the delay (cut short by a kill or a shutdown).
    func decideRestart() async -> Continuation {
        lifecycle.enter(.betweenRuns)
        // A kill that came while no run was being waited on still ends the task.
        if lifecycle.killRequested { tracker.setKilled() }
        let decision = tracker.decide(now: clock.now())
        local.restartTracker = tracker.snapshot
        switch decision {
        case .killed, .terminated:
            local.restartAt = nil
            guard await persistLocal() else { return .shutdown }
            return .stop
        case .notRestarting(let reason):
            local.restartAt = nil
            guard await record([.notRestarting(at: clock.now(), reason: reason)], transition: .dead, withLocal: true)
            else { return .shutdown }
            return .stop
        case let .restart(delay, reason):
            local.restartAt = clock.now().addingTimeInterval(Double(GoDuration.nanoseconds(delay)) / 1e9)
            guard await record([.restarting(at: clock.now(), delay: delay, reason: reason)], transition: .pending,
                               withLocal: true) else { return .shutdown }
            metrics.restarted()
            return await waitOutRestartDelay(delay)
        }
    }

    /// Sleeps until the restart is due (cut short by a kill or a shutdown).
    func waitOutRestartDelay(_ delay: Duration) async -> Continuation {
        switch await sleepOrInterrupt(delay) {
        case .kill: return .stop
        case .shutdown: return .shutdown
        default:
            local.restartAt = nil
            await persistLocal()
            return .restart
        }
    }

    func sleepOrInterrupt(_ delay: Duration) async -> Wake {
        let wake = OneShot<Wake>()
        self.wake = wake
        if lifecycle.shutdownRequested { wake.resolve(.shutdown) }
        if lifecycle.killRequested { wake.resolve(.kill) }
        let clock = self.clock
        let timer = Task {
            do {
                try await clock.sleep(for: delay)
                wake.resolve(.timer)
            } catch {}
        }
        let woke = await wake.value()
        self.wake = nil
        timer.cancel()
        return woke
    }

    /// The end: `Killed` (or the kill's failure), state dead, stop hooks.
    func finishAsDead() async {
        if lifecycle.killAnnouncing { await killAnnounced.value() }
        var events: [TaskEvent] = []
        if let killError {
            events.append(.killFailed(at: clock.now(), attempts: killError.attempts, error: killError.message))
        } else if lifecycle.killRequested {
            events.append(.killed(at: clock.now()))
        }
        await record(events, transition: .dead)
        for hook in hooks.compactMap({ $0 as? any TaskStopHook }) {
            try? await hook.stop(context: hookContext())
        }
        await persistChain?.value
    }

    func runPoststartHooks() async {
        guard let handle else { return }
        for hook in hooks.compactMap({ $0 as? any TaskPoststartHook }) {
            try? await hook.poststart(handle: handle, context: hookContext())
        }
    }

    func runShutdownHooks() async {
        guard lifecycle.takeShutdownHooks() else { return }
        for hook in hooks.compactMap({ $0 as? any TaskShutdownHook }) {
            await hook.shutdown(context: hookContext())
        }
    }

    /// Seconds as a Duration, clamped to what a Duration of nanoseconds holds (a restart due in a
    /// century is a very long wait, not a crash).
    static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .nanoseconds(Int64(min(seconds, 9.2e9) * 1e9))
    }
}
