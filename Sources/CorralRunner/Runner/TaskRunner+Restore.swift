import CorralDriver

extension TaskRunner {
    /// Loads the task's persisted state and reattaches to its running task through the driver
    /// (identity checked by the driver: pid, start time, cgroup). Call before `run`.
    ///
    /// - A task that exited while no runner existed is recovered with its true exit status.
    /// - A handle the driver cannot recover is destroyed (leftovers removed) and the task starts anew.
    /// - A run whose exit was recorded but not yet decided on resumes at the restart decision.
    /// - A kill that was under way is finished, not turned into a restart.
    public func restore() async throws(StateStoreError) {
        restored = true
        if let saved = try await store.taskState(allocID: allocID, task: taskName) { state = saved }
        if let saved = try await store.localState(allocID: allocID, task: taskName) { local = saved }
        if let snapshot = local.restartTracker {
            tracker = RestartTracker(policy: tracker.policy, jobType: allocation.job.type,
                                     seed: config.restartSeed ?? UInt64.random(in: 0...UInt64.max), snapshot: snapshot)
        }
        guard state.state != .dead else { return }
        killRequested = local.killRequested
        if let saved = local.driverHandle {
            do {
                try await driver.recover(saved)
                handle = saved
            } catch {
                try? await driver.destroy(saved.id, force: true)
                local.driverHandle = nil
                await persistLocal()
                if state.state == .running {
                    await record([.driverFailure(at: clock.now(), error: "cannot recover the task after a restart: \(error)")],
                                 transition: .pending)
                }
            }
        } else if let last = state.events.last, last.type == .terminated {
            pendingExit = ExitResult(exitCode: last.exitCode ?? -1, signal: last.signal ?? 0, oomKilled: last.oomKilled,
                                     error: last.details["exit_message"])
        }
    }
}
