import CorralResourceTypes

/// Turns successive `CgroupStats` readings into `ResourceUsage`: CPU percentages need the change
/// in CPU time over the change in wall time, so the tracker remembers the previous reading.
package struct ResourceUsageTracker: Sendable {
    /// MHz of one CPU, to express CPU use in ticks.
    package let megahertzPerCPU: Double
    private var previous: (stats: CgroupStats, at: UInt64)?

    package init(megahertzPerCPU: Double) {
        self.megahertzPerCPU = megahertzPerCPU
    }

    /// Usage for a reading taken at `nanoseconds` (any monotonic clock); the first reading has 0% CPU.
    package mutating func usage(_ stats: CgroupStats, at nanoseconds: UInt64, timestamp: UInt64) -> ResourceUsage {
        var user = 0.0, system = 0.0, total = 0.0
        if let previous, nanoseconds > previous.at {
            let wall = Double(nanoseconds - previous.at)
            func percent(_ now: UInt64, _ before: UInt64) -> Double {
                now >= before ? Double(now - before) / wall * 100 : 0
            }
            total = percent(stats.cpu.totalNanos, previous.stats.cpu.totalNanos)
            user = percent(stats.cpu.userNanos, previous.stats.cpu.userNanos)
            system = percent(stats.cpu.systemNanos, previous.stats.cpu.systemNanos)
        }
        previous = (stats, nanoseconds)
        let memory = ResourceUsage.MemoryStats(
            rss: stats.memory.rss, cache: stats.memory.cache, swap: stats.memory.swap ?? 0,
            mappedFile: stats.memory.mappedFile, usage: stats.memory.usage, maxUsage: stats.memory.maxUsage ?? 0,
            kernelUsage: stats.memory.kernelUsage ?? 0, kernelMaxUsage: stats.memory.kernelMaxUsage ?? 0,
            measured: stats.memory.measured)
        let cpu = ResourceUsage.CPUStats(
            systemMode: system, userMode: user, percent: total, totalTicks: total / 100 * megahertzPerCPU,
            throttledPeriods: stats.cpu.throttledPeriods, throttledTime: stats.cpu.throttledNanos,
            measured: stats.cpu.measured)
        return ResourceUsage(memory: memory, cpu: cpu, pids: stats.pids.current, timestamp: timestamp)
    }
}
