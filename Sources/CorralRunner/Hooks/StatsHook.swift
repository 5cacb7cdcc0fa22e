import CorralDriver
import Synchronization

/// `stats`: collects the running task's resource usage every `interval` into the task's gauges and
/// keeps the latest reading; stops when the run ends or the runner shuts down.
package final class StatsHook: TaskPoststartHook, TaskExitedHook, TaskShutdownHook, TaskStopHook {
    package let name = "stats"
    private let interval: Duration
    private let metrics: TaskMetrics
    private let state = Mutex<(collector: Task<Void, Never>?, latest: TaskResourceUsage?)>((nil, nil))

    package init(interval: Duration, metrics: TaskMetrics) {
        self.interval = interval
        self.metrics = metrics
    }

    /// The newest reading of the current run, if any.
    package var latest: TaskResourceUsage? { state.withLock { $0.latest } }

    package func poststart(handle: TaskHandle, context: TaskHookContext) async throws {
        let stream: AsyncStream<TaskResourceUsage>
        do {
            stream = try await context.driver.stats(handle.id, interval: interval)
        } catch {
            return  // a task without stats still runs; the gauges stay unset
        }
        let metrics = self.metrics
        let collector = Task { [weak self] in
            for await usage in stream {
                metrics.record(usage)
                self?.state.withLock { $0.latest = usage }
            }
        }
        state.withLock { $0.collector?.cancel(); $0.collector = collector }
    }

    package func exited(result: ExitResult?, context: TaskHookContext) async throws { cancel() }
    package func shutdown(context: TaskHookContext) async { cancel() }
    package func stop(context: TaskHookContext) async throws { cancel() }

    private func cancel() {
        state.withLock { $0.collector?.cancel(); $0.collector = nil }
    }
}
