import CorralRunner
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// A clock that moves only when told, for tests: sleepers wait until `advance(by:)` passes their
/// deadline. `nextSleep()` hands out, in order, each sleep the code under test begins, so a test
/// waits for the runner to be *in* its delay instead of guessing with real time.
///
/// With `autoAdvance`, every sleep moves the clock by its own length and returns at once: a run
/// through many restart delays or backoff rounds completes instantly, its sleeps still recorded.
package final class ManualClock: RunnerClock {
    private struct Sleeper {
        let id: Int
        let deadline: Duration
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var elapsed: Duration = .zero
        var sleepers: [Sleeper] = []
        var nextID = 0
        /// Sleeps begun and not yet handed to `nextSleep()`.
        var unclaimed: [Duration] = []
        var claimWaiters: [CheckedContinuation<Duration, Never>] = []
        /// Every sleep ever begun, in order.
        var log: [Duration] = []
    }

    private let state = Mutex(State())
    private let epoch: Date
    package let autoAdvance: Bool

    package init(epoch: Date = Date(timeIntervalSince1970: 1_800_000_000), autoAdvance: Bool = false) {
        self.epoch = epoch
        self.autoAdvance = autoAdvance
    }

    package func now() -> Date { epoch.addingTimeInterval(Self.seconds(elapsed)) }
    /// How far the clock has moved.
    package var elapsed: Duration { state.withLock { $0.elapsed } }

    /// Every sleep begun so far, in order.
    package var sleeps: [Duration] { state.withLock { $0.log } }

    package func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        record(duration)
        guard duration > .zero else { return }
        if autoAdvance {
            advance(by: duration)
            await Task.yield()
            try Task.checkCancellation()
            return
        }
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    let deadline = state.elapsed + duration
                    if Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward, waking every sleeper whose deadline has come.
    package func advance(by duration: Duration) {
        let due: [Sleeper] = state.withLock { state in
            state.elapsed += duration
            let now = state.elapsed
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Waits until the code under test begins a sleep not yet returned by an earlier call, and
    /// returns its length.
    package func nextSleep() async -> Duration {
        await withCheckedContinuation { continuation in
            let ready: Duration? = state.withLock { state in
                if !state.unclaimed.isEmpty { return state.unclaimed.removeFirst() }
                state.claimWaiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func record(_ duration: Duration) {
        let waiter: CheckedContinuation<Duration, Never>? = state.withLock { state in
            state.log.append(duration)
            if !state.claimWaiters.isEmpty { return state.claimWaiters.removeFirst() }
            state.unclaimed.append(duration)
            return nil
        }
        waiter?.resume(returning: duration)
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
