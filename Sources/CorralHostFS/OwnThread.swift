import Foundation
import Synchronization

/// Runs blocking file-system work (a tree removal, a long read) on a thread of its own, so that it
/// never holds one of the few threads of Swift's cooperative pool. The work gets a flag that is
/// raised when the awaiting task is cancelled, and should stop at its next check.
package func onOwnThread<Value: Sendable>(_ name: String,
                                          _ work: @escaping @Sendable (_ cancelled: CancellationFlag) throws -> Value)
    async throws -> Value {
    let flag = CancellationFlag()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work(flag) }) }
            thread.name = name
            thread.start()
        }
    } onCancel: {
        flag.raise()
    }
}

/// Raised when the work's requester no longer wants its result.
package final class CancellationFlag: Sendable {
    private let raised = Atomic(false)

    package init() {}

    package func raise() { raised.store(true, ordering: .relaxed) }

    package var isRaised: Bool { raised.load(ordering: .relaxed) }
}
