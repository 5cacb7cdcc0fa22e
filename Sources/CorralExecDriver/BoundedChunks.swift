import Dispatch
import Synchronization

/// A bounded hand-off of output chunks from a reader thread to an async consumer: the thread
/// blocks once `capacity` chunks wait unread, so a command writing faster than its exec client reads
/// holds at most `capacity` chunks in memory (its own writes then block on the full pipe), instead
/// of growing the runtime without bound.
final class BoundedChunks: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var finished = false
        var cancelled = false
        var waiter: CheckedContinuation<[UInt8]?, Never>?
    }

    private let state = Mutex(State())
    /// Free places in the buffer; the reader waits on it before each chunk it hands over.
    private let space: DispatchSemaphore

    init(capacity: Int) {
        // Made at 0 and raised to the capacity: libdispatch traps when a semaphore is freed below the
        // value it was made with, which a hand-off the consumer left with chunks unread would be.
        space = DispatchSemaphore(value: 0)
        for _ in 0..<capacity { space.signal() }
    }

    /// The stream the consumer reads; cancelling its iteration releases a blocked reader.
    var stream: AsyncStream<[UInt8]> {
        AsyncStream(unfolding: { await self.next() }, onCancel: { self.cancel() })
    }

    /// Reader thread: hands over a chunk, blocking while the buffer is full. False once the consumer
    /// has gone: the reader stops.
    func put(_ chunk: [UInt8]) -> Bool {
        space.wait()
        return state.withLock { state in
            guard !state.cancelled else { return false }
            if let waiter = state.waiter {
                // Straight to a waiting consumer: the chunk takes no place in the buffer.
                state.waiter = nil
                waiter.resume(returning: chunk)
                space.signal()
            } else {
                state.chunks.append(chunk)
            }
            return true
        }
    }

    /// Reader thread: no more chunks.
    func finish() {
        state.withLock { state in
            state.finished = true
            if let waiter = state.waiter, state.chunks.isEmpty {
                state.waiter = nil
                waiter.resume(returning: nil)
            }
        }
    }

    private func next() async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if !state.chunks.isEmpty {
                    continuation.resume(returning: state.chunks.removeFirst())
                    space.signal()
                } else if state.finished || state.cancelled {
                    continuation.resume(returning: nil)
                } else {
                    state.waiter = continuation
                }
            }
        }
    }

    private func cancel() {
        state.withLock { state in
            state.cancelled = true
            state.chunks.removeAll()
            if let waiter = state.waiter {
                state.waiter = nil
                waiter.resume(returning: nil)
            }
        }
        // A reader blocked on a full buffer wakes, sees the cancellation, and stops.
        space.signal()
    }
}
