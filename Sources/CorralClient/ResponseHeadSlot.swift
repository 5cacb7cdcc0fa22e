import NIOHTTP1
import Synchronization

/// Where an exchange's task hands its caller the answer's head (or why there is none), once.
final class ResponseHeadSlot: Sendable {
    private enum State {
        case waiting(CheckedContinuation<HTTPResponseHead, any Error>?)
        case done(Result<HTTPResponseHead, any Error>)
    }

    private let state = Mutex<State>(.waiting(nil))

    /// Sets the outcome unless it is already set.
    func resolve(_ result: Result<HTTPResponseHead, any Error>) {
        let waiter: CheckedContinuation<HTTPResponseHead, any Error>? = state.withLock { state in
            guard case .waiting(let waiter) = state else { return nil }
            state = .done(result)
            return waiter
        }
        waiter?.resume(with: result)
    }

    var isResolved: Bool {
        state.withLock { if case .done = $0 { true } else { false } }
    }

    func wait() async throws -> HTTPResponseHead {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<HTTPResponseHead, any Error>? = state.withLock { state in
                switch state {
                case .done(let result): return result
                case .waiting:
                    state = .waiting(continuation)
                    return nil
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
