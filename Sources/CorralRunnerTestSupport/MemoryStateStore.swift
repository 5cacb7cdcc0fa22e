import CorralRunner
import Synchronization

/// A `StateStore` in memory, for tests and for runs that need no persistence. Values are copied in
/// and out, exactly as the SQLite store would round-trip them.
package final class MemoryStateStore: StateStore {
    private struct Contents {
        var allocations: [(id: String, value: Allocation)] = []
        var taskStates: [String: TaskState] = [:]
        var localStates: [String: LocalState] = [:]
        var writes = 0
    }

    private let contents = Mutex(Contents())

    package init() {}

    private static func key(_ allocID: String, _ task: String) -> String { allocID + "\u{0}" + task }

    package func putAllocation(_ allocation: Allocation) async throws(StateStoreError) {
        contents.withLock { contents in
            contents.writes += 1
            if let index = contents.allocations.firstIndex(where: { $0.id == allocation.id }) {
                contents.allocations[index].value = allocation
            } else {
                contents.allocations.append((allocation.id, allocation))
            }
        }
    }

    package func allocations() async throws(StateStoreError) -> [Allocation] {
        contents.withLock { $0.allocations.map(\.value) }
    }

    package func deleteAllocation(id: String) async throws(StateStoreError) {
        contents.withLock { contents in
            contents.writes += 1
            contents.allocations.removeAll { $0.id == id }
            let prefix = id + "\u{0}"
            contents.taskStates = contents.taskStates.filter { !$0.key.hasPrefix(prefix) }
            contents.localStates = contents.localStates.filter { !$0.key.hasPrefix(prefix) }
        }
    }

    package func putTaskState(_ state: TaskState, allocID: String, task: String) async throws(StateStoreError) {
        contents.withLock {
            $0.writes += 1
            $0.taskStates[Self.key(allocID, task)] = state
        }
    }

    package func taskState(allocID: String, task: String) async throws(StateStoreError) -> TaskState? {
        contents.withLock { $0.taskStates[Self.key(allocID, task)] }
    }

    package func putLocalState(_ state: LocalState, allocID: String, task: String) async throws(StateStoreError) {
        contents.withLock {
            $0.writes += 1
            $0.localStates[Self.key(allocID, task)] = state
        }
    }

    package func localState(allocID: String, task: String) async throws(StateStoreError) -> LocalState? {
        contents.withLock { $0.localStates[Self.key(allocID, task)] }
    }

    package func putStates(_ taskState: TaskState, _ localState: LocalState, allocID: String,
                          task: String) async throws(StateStoreError) {
        contents.withLock {
            $0.writes += 1
            $0.taskStates[Self.key(allocID, task)] = taskState
            $0.localStates[Self.key(allocID, task)] = localState
        }
    }

    /// How many writes the store has taken (tests check that state is persisted, not only held).
    package var writeCount: Int { contents.withLock { $0.writes } }
}
