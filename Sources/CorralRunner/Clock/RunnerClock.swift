#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The runner's time: wall-clock readings for events and restart intervals (which must span
/// runtimes, as in Nomad), and the sleeps of restart delays, kill backoff and `shutdown_delay`. Injected, so tests of a 15 s
/// delay run on a `ManualClock` in microseconds.
package protocol RunnerClock: Sendable {
    /// Wall-clock time, for events and `startedAt`/`finishedAt`.
    func now() -> Date
    /// Sleeps for `duration`; throws `CancellationError` when the calling task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// Real time.
package struct SystemClock: RunnerClock {
    package init() {}

    package func now() -> Date { Date() }
    package func sleep(for duration: Duration) async throws {
        // The runner's delays (restart delay, backoff): a timer by design, not synchronisation.
        try await Task.sleep(for: duration)
    }
}
