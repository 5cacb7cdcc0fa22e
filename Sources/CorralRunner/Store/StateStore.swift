/// Where the runner persists allocations and their tasks' states, so that a restarted runtime
/// finds every task again (Nomad's client state DB). Every write is durable when it returns: the
/// runner writes before it acts or announces.
package protocol StateStore: Sendable {
    /// Adds or replaces an allocation.
    func putAllocation(_ allocation: Allocation) async throws(StateStoreError)
    /// Every stored allocation, in the order they were first stored.
    func allocations() async throws(StateStoreError) -> [Allocation]
    /// Removes an allocation and everything stored for its tasks.
    func deleteAllocation(id: String) async throws(StateStoreError)

    func putTaskState(_ state: TaskState, allocID: String, task: String) async throws(StateStoreError)
    func taskState(allocID: String, task: String) async throws(StateStoreError) -> TaskState?

    func putLocalState(_ state: LocalState, allocID: String, task: String) async throws(StateStoreError)
    func localState(allocID: String, task: String) async throws(StateStoreError) -> LocalState?

    /// Both states of a task in one atomic write: a crash leaves both old or both new. The runner
    /// writes a transition this way when the two must agree (a start and its handle, an exit and the
    /// forgotten handle, a restart decision and the tracker's count).
    func putStates(_ taskState: TaskState, _ localState: LocalState, allocID: String, task: String)
        async throws(StateStoreError)
}

/// Why the state store failed. Carries the database's path, so an operator knows which file.
package enum StateStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The database cannot be opened or read as a corral state database.
    case corrupt(path: String, reason: String)
    /// The database was written by a newer corral (its schema version is beyond what this one knows).
    case newerSchema(path: String, found: Int, supported: Int)
    /// A read or write failed (disk full, permissions, I/O).
    case io(path: String, operation: String, reason: String)
    /// A stored value could not be encoded or decoded.
    case encoding(what: String, reason: String)

    package var description: String {
        switch self {
        case let .corrupt(path, reason):
            "state database \(path) is corrupt or not a corral database: \(reason); move it aside to start afresh (its tasks will not be recovered)"
        case let .newerSchema(path, found, supported):
            "state database \(path) has schema version \(found), newer than this corral supports (\(supported)); run a newer corral or move the file aside"
        case let .io(path, operation, reason): "state database \(path): \(operation) failed: \(reason)"
        case let .encoding(what, reason): "cannot encode or decode \(what): \(reason)"
        }
    }
}
