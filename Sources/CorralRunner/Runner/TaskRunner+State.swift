import CorralDriver

extension TaskRunner {
    /// Records events and a state change: applied in memory at once (so concurrent requests see
    /// them in order), persisted in that same order, and announced in that order once persisted.
    /// With `withLocal`, the local state as it is now is written in the same transaction: a crash
    /// leaves both old or both new.
    func record(_ events: [TaskEvent], transition next: TaskLifecycle? = nil, withLocal: Bool = false) async {
        for event in events { state.append(event) }
        if let next {
            let before = state.state
            do {
                try state.transition(to: next, at: clock.now())
            } catch {
                // Leaving `dead` is a bug in the caller; the state stays dead.
                return
            }
            if next == .running, before != .running { metrics.started() }
            if next == .dead, before != .dead { state.failed ? metrics.taskFailed() : metrics.completed() }
        }
        let snapshot = state
        let localSnapshot = withLocal ? local : nil
        let (allocID, taskName, announce) = (self.allocID, self.taskName, self.onStateChange)
        await persist(then: { await announce(taskName, snapshot) }) { store throws(StateStoreError) in
            if let localSnapshot {
                try await store.putStates(snapshot, localSnapshot, allocID: allocID, task: taskName)
            } else {
                try await store.putTaskState(snapshot, allocID: allocID, task: taskName)
            }
        }
    }

    /// Persists the local state (hook states, handle, run count) as it is now.
    func persistLocal() async {
        let snapshot = local
        let (allocID, taskName) = (self.allocID, self.taskName)
        await persist { store throws(StateStoreError) in
            try await store.putLocalState(snapshot, allocID: allocID, task: taskName)
        }
    }

    /// Chains writes (and the announcements that follow them) so they happen in the order they were
    /// made, even when requests interleave on the actor; returns once this write is done and announced.
    private func persist(then announce: (@Sendable () async -> Void)? = nil,
                         _ write: @escaping @Sendable (any StateStore) async throws(StateStoreError) -> Void) async {
        let previous = persistChain
        let store = self.store
        let written = Task { () -> StateStoreError? in
            await previous?.value
            var failure: StateStoreError?
            do throws(StateStoreError) {
                try await write(store)
            } catch {
                failure = error
            }
            // Announced even when the write failed: the runner goes on with its in-memory state, and
            // the allocation must still learn of a death (the failure is kept in lastPersistenceError).
            await announce?()
            return failure
        }
        persistChain = Task { _ = await written.value }
        if let error = await written.value { lastPersistenceError = error }
    }
}
