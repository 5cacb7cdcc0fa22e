import CorralRunner
import Foundation

/// What the agent keeps of one allocation it runs: the runner, the newest status its updates
/// announced, and the index that blocking queries wait on.
struct AllocationRecord: Sendable {
    var allocation: Allocation
    let runner: AllocRunner
    var status: AllocStatus
    var modifyIndex: UInt64
    /// The newest event of each task already written to the agent's log.
    var loggedEvents: [String: TaskEvent] = [:]
    /// The allocation's run ended (its tasks are dead, or the agent is shutting down).
    var runEnded = false
    /// The job modify index of an allocation stored without one (by an older corral): the index
    /// of its restore, so `job run -check-index` has a value to compare against.
    var restoredJobIndex: UInt64 = 0

    /// Complete or failed with every task dead: nothing of it runs any more.
    var isTerminal: Bool {
        (status.clientStatus == .complete || status.clientStatus == .failed)
            && status.taskStates.values.allSatisfy { $0.state == .dead }
    }

    var createTime: Date { allocation.createTime ?? .distantPast }

    /// When this agent first saw the allocation terminal: the fallback of `terminalTime` for an
    /// allocation none of whose tasks has a `finishedAt` (it never started).
    var observedTerminal: Date?

    /// When the allocation became terminal (nil while it is not): its last task's `finishedAt`.
    /// That time is persisted with the task states, so a restarted agent orders its terminal
    /// allocations as the one before did; garbage collection removes the oldest first.
    var terminalTime: Date? {
        guard isTerminal else { return nil }
        return status.taskStates.values.compactMap(\.finishedAt).max() ?? observedTerminal ?? createTime
    }
}

/// A blocking query waiting for an allocation's index to pass `after`.
struct AllocationWaiter {
    let id: UInt64
    let after: UInt64
    let continuation: CheckedContinuation<Void, Never>
}
