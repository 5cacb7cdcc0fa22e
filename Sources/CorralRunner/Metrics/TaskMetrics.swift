import CoreMetrics
import CorralDriver

/// A task's counters and gauges, labelled `job`, `task_group`, `alloc_id`, `task`.
/// Made through an injected `MetricsFactory`: the agent exports them; tests read a test factory.
///
/// Names are Prometheus-safe: `corral_client_allocs_{running,complete,failed,restart,oom_killed}`
/// (counters), `corral_client_allocs_memory_{rss,cache,swap,max_usage,kernel_usage,kernel_max_usage}`
/// (bytes) and `corral_client_allocs_cpu_{total_percent,system,user,throttled_time,throttled_periods,total_ticks}`.
package struct TaskMetrics: Sendable {
    package static let prefix = "corral_client_allocs_"
    package let labels: [(String, String)]
    private let running: Counter
    private let complete: Counter
    private let failed: Counter
    private let restart: Counter
    private let oomKilled: Counter
    private let memory: [String: Gauge]
    private let cpu: [String: Gauge]

    static let memoryNames = ["rss", "cache", "swap", "max_usage", "kernel_usage", "kernel_max_usage"]
    static let cpuNames = ["total_percent", "system", "user", "throttled_time", "throttled_periods", "total_ticks"]

    package init(factory: any MetricsFactory, allocation: Allocation, task: String) {
        let labels = [("job", allocation.job.name), ("task_group", allocation.groupName),
                      ("alloc_id", allocation.id), ("task", task)]
        self.labels = labels
        func counter(_ name: String) -> Counter { Counter(label: Self.prefix + name, dimensions: labels, factory: factory) }
        func gauge(_ name: String) -> Gauge { Gauge(label: Self.prefix + name, dimensions: labels, factory: factory) }
        running = counter("running")
        complete = counter("complete")
        failed = counter("failed")
        restart = counter("restart")
        oomKilled = counter("oom_killed")
        memory = Dictionary(uniqueKeysWithValues: Self.memoryNames.map { ($0, gauge("memory_" + $0)) })
        cpu = Dictionary(uniqueKeysWithValues: Self.cpuNames.map { ($0, gauge("cpu_" + $0)) })
    }

    func started() { running.increment() }
    func completed() { complete.increment() }
    func taskFailed() { failed.increment() }
    func restarted() { restart.increment() }
    /// Counts OOM kills only (Nomad 2018 counted every exit here).
    func oomKill() { oomKilled.increment() }

    /// Removes the task's series from the factory (its allocation is gone): an agent that runs
    /// allocations for months must not export, and keep in memory, every one it ever ran.
    func destroy() {
        for counter in [running, complete, failed, restart, oomKilled] { counter.destroy() }
        for gauge in Array(memory.values) + Array(cpu.values) { gauge.destroy() }
    }

    /// Sets the gauges from one reading.
    func record(_ usage: TaskResourceUsage) {
        let m = usage.memory
        memory["rss"]?.record(Double(m.rss))
        memory["cache"]?.record(Double(m.cache))
        memory["swap"]?.record(Double(m.swap))
        memory["max_usage"]?.record(Double(m.maxUsage))
        memory["kernel_usage"]?.record(Double(m.kernelUsage))
        memory["kernel_max_usage"]?.record(Double(m.kernelMaxUsage))
        let c = usage.cpu
        cpu["total_percent"]?.record(c.percent)
        cpu["system"]?.record(c.systemMode)
        cpu["user"]?.record(c.userMode)
        cpu["throttled_time"]?.record(Double(c.throttledTime))
        cpu["throttled_periods"]?.record(Double(c.throttledPeriods))
        cpu["total_ticks"]?.record(Double(c.totalTicks))
    }
}
