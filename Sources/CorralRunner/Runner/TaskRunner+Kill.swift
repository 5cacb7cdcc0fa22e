import CorralDriver

extension TaskRunner {
    /// Kills the running task for a `kill`: prekill hooks, `shutdown_delay`, then the driver's stop
    /// (signal, `kill_timeout`, SIGKILL) retried with backoff. Returns the run's exit, or nil when
    /// it is unknown (the task was already gone, or the kill failed for good).
    func killRunningTask() async -> ExitResult? {
        await runPrekillHooks()
        tracker.setKilled()
        if task.shutdownDelay > .zero {
            await record([.waitingForShutdownDelay(at: clock.now(), delay: task.shutdownDelay)])
            try? await clock.sleep(for: task.shutdownDelay)
        }
        guard let handle else { return nil }
        switch await stopWithBackoff(handle.id) {
        case .stopped: return try? await driver.wait(handle.id)
        case .gone: return nil
        case let .failed(attempts, message):
            killError = (attempts, message)
            return nil
        }
    }

    /// Stops the running task for a user-requested restart (not counted against the policy).
    /// Returns the run's exit; nil when the stop failed and the run goes on (no second copy is
    /// started beside it).
    func restartRunningTask() async -> ExitResult? {
        lifecycle.takeRestart()
        await runPrekillHooks()
        guard let handle else { return nil }
        switch await stopWithBackoff(handle.id) {
        case .stopped:
            tracker.setRestartTriggered()
            return (try? await driver.wait(handle.id)) ?? ExitResult(exitCode: -1, error: "the task is gone")
        case .gone:
            tracker.setRestartTriggered()
            return ExitResult(exitCode: -1, error: "the task is gone")
        case let .failed(attempts, message):
            await record([.restartStopFailed(at: clock.now(), attempts: attempts, error: message)])
            return nil
        }
    }

    /// How a stop with backoff ended.
    enum StopOutcome {
        case stopped
        /// The driver no longer knows the task: it counts as killed, with no exit to wait for.
        case gone
        case failed(attempts: Int, message: String)
    }

    /// The driver's stop, retried after `min(4^i × baseline, limit)` on failure, at most
    /// `failureLimit` times. A task the driver no longer knows counts as stopped. Returns the
    /// failure when every attempt failed.
    func stopWithBackoff(_ id: String) async -> StopOutcome {
        let backoff = config.killBackoff
        var lastError = ""
        for attempt in 0..<max(backoff.failureLimit, 1) {
            do {
                try await driver.stop(id, timeout: killTimeout, signal: killSignal)
                return .stopped
            } catch .taskNotFound {
                return .gone
            } catch {
                lastError = "\(error)"
                if attempt + 1 < backoff.failureLimit {
                    try? await clock.sleep(for: backoff.delay(afterFailure: attempt))
                }
            }
        }
        return .failed(attempts: max(backoff.failureLimit, 1), message: lastError)
    }

    func runPrekillHooks() async {
        for hook in hooks.compactMap({ $0 as? any TaskPrekillHook }) {
            await hook.prekill(context: hookContext())
        }
    }
}
