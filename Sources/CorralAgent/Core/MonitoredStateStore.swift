import CorralRunner
import Foundation
import Logging
import Synchronization

/// The agent's state store, watched: a write that fails is logged (once when the failures start,
/// once when writes succeed again) and kept as the agent's health problem (`agent/health`,
/// `node status`) until a write succeeds. The runners retry their failed writes themselves.
package final class MonitoredStateStore: StateStore {
    let base: any StateStore
    let logger: Logger
    private let failure = Mutex<(since: Date, error: String)?>(nil)

    package init(base: any StateStore, logger: Logger) {
        self.base = base
        self.logger = logger
    }

    /// The failing writes' newest error and when they started; nil while writes succeed.
    package var currentFailure: (since: Date, error: String)? { failure.withLock { $0 } }

    private func watch(_ operation: String, _ write: () async throws(StateStoreError) -> Void) async throws(StateStoreError) {
        do {
            try await write()
        } catch {
            let first = failure.withLock { current in
                defer { current = (current?.since ?? Date(), error.description) }
                return current == nil
            }
            if first {
                logger.error("cannot write the state store; retrying (tasks run on, their state is not persisted)",
                             metadata: ["operation": "\(operation)", "error": "\(error.description)"])
            }
            throw error
        }
        if let recovered = failure.withLock({ current in defer { current = nil }; return current }) {
            logger.notice("the state store accepts writes again",
                          metadata: ["failing_since": "\(ISO8601DateFormatter().string(from: recovered.since))"])
        }
    }

    package func putAllocation(_ allocation: Allocation) async throws(StateStoreError) {
        try await watch("put allocation") { () async throws(StateStoreError) in try await base.putAllocation(allocation) }
    }

    package func allocations() async throws(StateStoreError) -> [Allocation] { try await base.allocations() }

    package func deleteAllocation(id: String) async throws(StateStoreError) {
        try await watch("delete allocation") { () async throws(StateStoreError) in try await base.deleteAllocation(id: id) }
    }

    package func putTaskState(_ state: TaskState, allocID: String, task: String) async throws(StateStoreError) {
        try await watch("put task state") { () async throws(StateStoreError) in
            try await base.putTaskState(state, allocID: allocID, task: task)
        }
    }

    package func taskState(allocID: String, task: String) async throws(StateStoreError) -> TaskState? {
        try await base.taskState(allocID: allocID, task: task)
    }

    package func putLocalState(_ state: LocalState, allocID: String, task: String) async throws(StateStoreError) {
        try await watch("put local state") { () async throws(StateStoreError) in
            try await base.putLocalState(state, allocID: allocID, task: task)
        }
    }

    package func localState(allocID: String, task: String) async throws(StateStoreError) -> LocalState? {
        try await base.localState(allocID: allocID, task: task)
    }

    package func putStates(_ taskState: TaskState, _ localState: LocalState, allocID: String, task: String)
        async throws(StateStoreError) {
        try await watch("put task states") { () async throws(StateStoreError) in
            try await base.putStates(taskState, localState, allocID: allocID, task: task)
        }
    }
}
