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

    /// Complete or failed with every task dead: nothing of it runs any more.
    var isTerminal: Bool {
        (status.clientStatus == .complete || status.clientStatus == .failed)
            && status.taskStates.values.allSatisfy { $0.state == .dead }
    }

    var createTime: Date { allocation.createTime ?? .distantPast }
}

/// A blocking query waiting for an allocation's index to pass `after`.
struct AllocationWaiter {
    let id: UInt64
    let after: UInt64
    let continuation: CheckedContinuation<Void, Never>
}
