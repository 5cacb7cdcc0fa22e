import CorralDriver

extension TaskRunner {
    /// Loads the task's persisted state and reattaches to its run through the driver (identity
    /// checked by the driver: pid, start time, cgroup). Call before `run`.
    ///
    /// - A task that exited while no runner existed is recovered with its true exit status.
    /// - A run started just before a crash, whose handle was never stored, is found by its id
    ///   (`recoverLost`) and adopted; leftovers of a finished run are removed.
    /// - A handle the driver cannot recover is destroyed and the task starts anew.
    /// - An exit that was recorded but not decided on resumes at the restart decision; a restart
    ///   delay under way is waited out; a kill under way is finished, not turned into a restart.
    package func restore() async throws(StateStoreError) {
        restored = true
        if let saved = try await store.taskState(allocID: allocID, task: taskName) { state = saved }
        if let saved = try await store.localState(allocID: allocID, task: taskName) { local = saved }
        if let snapshot = local.restartTracker {
            tracker = RestartTracker(policy: tracker.policy, jobType: allocation.job.type,
                                     seed: config.restartSeed ?? UInt64.random(in: 0...UInt64.max), createdAt: clock.now(),
                                     snapshot: snapshot)
        }
        guard state.state != .dead else { return }
        // A kill persisted before the crash: its `Killing` is already stored.
        if local.killRequested, lifecycle.requestKill() { lifecycle.killAnnounced() }
        if let saved = local.driverHandle {
            do {
                try await driver.recover(saved)
                handle = saved
            } catch {
                try? await driver.destroy(saved.id, force: true)
                local.driverHandle = nil
                await record([.driverFailure(at: clock.now(), error: "cannot recover the task after a restart: \(error)")],
                             transition: state.state == .running ? .pending : nil, withLocal: true)
            }
        } else if local.runCount > 0 {
            await adoptLostRun(TaskConfig.makeID(allocID: allocID, task: taskName, restart: local.runCount - 1))
        }
        if handle == nil, let exit = undecidedExit() { pendingExit = exit }
    }

    /// The newest run, started but without a stored handle: adopted when it is unfinished, its
    /// leftovers removed when its end was already recorded.
    private func adoptLostRun(_ id: String) async {
        guard let found = try? await driver.recoverLost(id) else { return }
        if state.events.contains(where: { $0.type == .terminated && $0.details["task_id"] == id }) {
            try? await driver.destroy(found.id, force: true)
            return
        }
        handle = found
        local.driverHandle = found
        await record(state.state == .running ? [] : [.started(at: clock.now())], transition: .running, withLocal: true)
    }

    /// The last run's exit, when no restart decision was recorded after it.
    private func undecidedExit() -> ExitResult? {
        guard let index = state.events.lastIndex(where: { $0.type == .terminated }) else { return nil }
        let decided = state.events[(index + 1)...].contains { $0.type == .restarting || $0.type == .notRestarting }
        guard !decided else { return nil }
        let last = state.events[index]
        return ExitResult(exitCode: last.exitCode ?? -1, signal: last.signal ?? 0, oomKilled: last.oomKilled,
                          error: last.details["exit_message"])
    }
}
