import CorralDriver

extension TaskRunner {
    /// Records events and a state change: applied in memory at once (so concurrent requests see
    /// them in order), persisted in that same order, and announced in that order once persisted.
    /// With `withLocal`, the local state as it is now is written in the same transaction: a crash
    /// leaves both old or both new. False when the write was given up because the runner shut down.
    @discardableResult
    func record(_ events: [TaskEvent], transition next: TaskLifecycle? = nil, withLocal: Bool = false) async -> Bool {
        for event in events { state.append(event) }
        if let next {
            let before = state.state
            do {
                try state.transition(to: next, at: clock.now())
            } catch {
                // Leaving `dead` is a bug in the caller; the state stays dead.
                return true
            }
            if next == .running, before != .running { metrics.started() }
            if next == .dead, before != .dead { state.failed ? metrics.taskFailed() : metrics.completed() }
        }
        let snapshot = state
        let localSnapshot = withLocal ? local : nil
        let (allocID, taskName, announce) = (self.allocID, self.taskName, self.onStateChange)
        return await persist(then: { await announce(taskName, snapshot) }) { store throws(StateStoreError) in
            if let localSnapshot {
                try await store.putStates(snapshot, localSnapshot, allocID: allocID, task: taskName)
            } else {
                try await store.putTaskState(snapshot, allocID: allocID, task: taskName)
            }
        }
    }

    /// Persists the local state (hook states, handle, run count) as it is now; false when it could
    /// not be written before the runner shut down.
    @discardableResult
    func persistLocal() async -> Bool {
        let snapshot = local
        let (allocID, taskName) = (self.allocID, self.taskName)
        return await persist { store throws(StateStoreError) in
            try await store.putLocalState(snapshot, allocID: allocID, task: taskName)
        }
    }

    /// Chains writes (and the announcements that follow them) so they happen in the order they were
    /// made, even when requests interleave on the actor; returns once this write is done and announced.
    ///
    /// A write that fails is retried with backoff until it succeeds (or the runner shuts down): the
    /// runner does nothing further until then, because whatever it did next (a start, a restart, a
    /// kill) would not be known to the runner that restores it after a crash, and could happen twice.
    /// The task itself runs on, and its exit stays in the supervisor's exit.json until it is stored.
    /// The failure is kept (`lastPersistenceError`) and shown as a `State Persist Failed` event.
    /// Returns false when the write was given up because the runner shut down.
    @discardableResult
    private func persist(then announce: (@Sendable () async -> Void)? = nil,
                         _ write: @escaping @Sendable (any StateStore) async throws(StateStoreError) -> Void) async -> Bool {
        let previous = persistChain
        let store = self.store
        let clock = self.clock
        let written = Task { () -> Bool in
            await previous?.value
            var backoff = Self.persistRetryBackoff.lowerBound
            while true {
                do throws(StateStoreError) {
                    try await write(store)
                    // The failure's event came after this write's snapshot: store it too.
                    if let newer = await self.persisted() {
                        try? await store.putTaskState(newer, allocID: self.allocID, task: self.taskName)
                    }
                    break
                } catch {
                    guard await self.persistFailed(error) else { return false }
                }
                try? await clock.sleep(for: backoff)
                backoff = min(backoff * 2, Self.persistRetryBackoff.upperBound)
            }
            await announce?()
            return true
        }
        persistChain = Task { _ = await written.value }
        return await written.value
    }

    /// First and longest wait between attempts at a failed write.
    static let persistRetryBackoff: ClosedRange<Duration> = .milliseconds(100) ... .seconds(5)

    /// A write failed: kept, and announced once per run of failures as an event (in memory now; in
    /// the store with the next write that succeeds). False once the runner shuts down: stop retrying.
    private func persistFailed(_ error: StateStoreError) async -> Bool {
        let first = !persistenceFailing
        lastPersistenceError = error
        persistenceFailing = true
        if first {
            state.append(.statePersistFailed(at: clock.now(), error: error.description))
            let (snapshot, taskName, announce) = (state, self.taskName, self.onStateChange)
            await announce(taskName, snapshot)
        }
        return !lifecycle.shutdownRequested
    }

    /// A write succeeded; after failures, the state as it is now (with the failure's event) to store.
    private func persisted() -> TaskState? {
        defer { persistenceFailing = false }
        return persistenceFailing ? state : nil
    }
}
