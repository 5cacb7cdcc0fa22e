import CorralRunner
#if canImport(Glibc)
import Glibc
#endif

/// For the crash-recovery tests (`alloc-run --crash-after-event TYPE`): a store that SIGKILLs the
/// process right after it durably wrote a task state whose newest event is of that type, so the
/// crash lands exactly between that write and whatever the runner would have done next.
struct CrashAfterEventStore: StateStore {
    let base: any StateStore
    let eventType: String

    private func crashIfDue(_ state: TaskState) {
        if state.events.last?.type.rawValue == eventType { kill(getpid(), SIGKILL) }
    }

    func putAllocation(_ allocation: Allocation) async throws(StateStoreError) { try await base.putAllocation(allocation) }
    func allocations() async throws(StateStoreError) -> [Allocation] { try await base.allocations() }
    func deleteAllocation(id: String) async throws(StateStoreError) { try await base.deleteAllocation(id: id) }

    func putTaskState(_ state: TaskState, allocID: String, task: String) async throws(StateStoreError) {
        try await base.putTaskState(state, allocID: allocID, task: task)
        crashIfDue(state)
    }

    func taskState(allocID: String, task: String) async throws(StateStoreError) -> TaskState? {
        try await base.taskState(allocID: allocID, task: task)
    }

    func putLocalState(_ state: LocalState, allocID: String, task: String) async throws(StateStoreError) {
        try await base.putLocalState(state, allocID: allocID, task: task)
    }

    func localState(allocID: String, task: String) async throws(StateStoreError) -> LocalState? {
        try await base.localState(allocID: allocID, task: task)
    }

    func putStates(_ taskState: TaskState, _ localState: LocalState, allocID: String, task: String)
        async throws(StateStoreError) {
        try await base.putStates(taskState, localState, allocID: allocID, task: task)
        crashIfDue(taskState)
    }
}
