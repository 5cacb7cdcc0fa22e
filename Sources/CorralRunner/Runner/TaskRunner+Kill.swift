import CorralDriver

extension TaskRunner {
    /// Kills the running task for a `kill`: prekill hooks, `shutdown_delay`, then the driver's stop
    /// (signal, `kill_timeout`, SIGKILL) retried with backoff. Returns the run's exit, or nil when
    /// it is unknown (the task was already gone, or the kill failed for good).
    func killRunningTask() async -> ExitResult? {
        await runPrekillHooks()
        tracker.setKilled()
        if task.shutdownDelay > .zero { try? await clock.sleep(for: task.shutdownDelay) }
        guard let handle else { return nil }
        if let failure = await stopWithBackoff(handle.id) {
            killError = failure
            return nil
        }
        return try? await driver.wait(handle.id)
    }

    /// Stops the running task for a user-requested restart (not counted against the policy).
    func restartRunningTask() async -> ExitResult? {
        restartRequested = false
        await runPrekillHooks()
        tracker.setRestartTriggered()
        guard let handle else { return nil }
        if let failure = await stopWithBackoff(handle.id) {
            await record([.killFailed(at: clock.now(), attempts: failure.attempts, error: failure.message)])
            return nil
        }
        return try? await driver.wait(handle.id)
    }

    /// The driver's stop, retried after `min(4^i × baseline, limit)` on failure, at most
    /// `failureLimit` times. A task the driver no longer knows counts as stopped. Returns the
    /// failure when every attempt failed.
    func stopWithBackoff(_ id: String) async -> (attempts: Int, message: String)? {
        let backoff = config.killBackoff
        var lastError = ""
        for attempt in 0..<max(backoff.failureLimit, 1) {
            do {
                try await driver.stop(id, timeout: killTimeout, signal: killSignal)
                return nil
            } catch .taskNotFound {
                return nil
            } catch {
                lastError = "\(error)"
                if attempt + 1 < backoff.failureLimit {
                    try? await clock.sleep(for: backoff.delay(afterFailure: attempt))
                }
            }
        }
        return (max(backoff.failureLimit, 1), lastError)
    }

    func runPrekillHooks() async {
        for hook in hooks.compactMap({ $0 as? any TaskPrekillHook }) {
            await hook.prekill(context: hookContext())
        }
    }
}
