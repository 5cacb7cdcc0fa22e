import CorralDriver

extension TaskRunner {
    /// Records events and a state change: applied in memory at once (so concurrent requests see
    /// them in order), persisted in that same order, and announced only once persisted.
    func record(_ events: [TaskEvent], transition next: TaskLifecycle? = nil) async {
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
        let (allocID, taskName) = (self.allocID, self.taskName)
        await persist { store throws(StateStoreError) in
            try await store.putTaskState(snapshot, allocID: allocID, task: taskName)
        }
        await onStateChange(taskName, snapshot)
    }

    /// Persists the local state (hook states, handle, run count) as it is now.
    func persistLocal() async {
        let snapshot = local
        let (allocID, taskName) = (self.allocID, self.taskName)
        await persist { store throws(StateStoreError) in
            try await store.putLocalState(snapshot, allocID: allocID, task: taskName)
        }
    }

    /// Chains writes so they reach the store in the order they were made, even when requests
    /// interleave on the actor; returns once this write is done.
    private func persist(_ write: @escaping @Sendable (any StateStore) async throws(StateStoreError) -> Void) async {
        let previous = persistChain
        let store = self.store
        let written = Task { () -> StateStoreError? in
            await previous?.value
            do throws(StateStoreError) {
                try await write(store)
                return nil
            } catch {
                return error
            }
        }
        persistChain = Task { _ = await written.value }
        if let error = await written.value { lastPersistenceError = error }
    }
}
