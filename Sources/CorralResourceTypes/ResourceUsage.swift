/// A task's resource usage in the shape of Nomad's `TaskResourceUsage`: memory in bytes, CPU as
/// percentages of one CPU and as MHz-equivalent ticks, derived from two successive cgroup readings.
package struct ResourceUsage: Codable, Equatable, Sendable {
    package var memory: MemoryStats
    package var cpu: CPUStats
    package var pids: UInt64
    /// When the reading was taken, Unix time in nanoseconds.
    package var timestamp: UInt64

    package init(memory: MemoryStats, cpu: CPUStats, pids: UInt64, timestamp: UInt64) {
        self.memory = memory
        self.cpu = cpu
        self.pids = pids
        self.timestamp = timestamp
    }

    /// Memory, in bytes.
    package struct MemoryStats: Codable, Equatable, Sendable {
        package var rss: UInt64
        package var cache: UInt64
        package var swap: UInt64
        package var mappedFile: UInt64
        package var usage: UInt64
        package var maxUsage: UInt64
        package var kernelUsage: UInt64
        package var kernelMaxUsage: UInt64
        package var measured: [String]

        package init(rss: UInt64, cache: UInt64, swap: UInt64, mappedFile: UInt64, usage: UInt64, maxUsage: UInt64,
                    kernelUsage: UInt64, kernelMaxUsage: UInt64, measured: [String]) {
            self.rss = rss
            self.cache = cache
            self.swap = swap
            self.mappedFile = mappedFile
            self.usage = usage
            self.maxUsage = maxUsage
            self.kernelUsage = kernelUsage
            self.kernelMaxUsage = kernelMaxUsage
            self.measured = measured
        }

        enum CodingKeys: String, CodingKey {
            case rss, cache, swap, usage, measured
            case mappedFile = "mapped_file"
            case maxUsage = "max_usage"
            case kernelUsage = "kernel_usage"
            case kernelMaxUsage = "kernel_max_usage"
        }
    }

    /// CPU: percentages of one CPU over the interval since the previous reading (200 = two busy CPUs).
    package struct CPUStats: Codable, Equatable, Sendable {
        package var systemMode: Double
        package var userMode: Double
        package var percent: Double
        /// `percent` expressed in MHz of this host's CPUs, Nomad's unit for CPU resources.
        package var totalTicks: Double
        package var throttledPeriods: UInt64
        /// Nanoseconds.
        package var throttledTime: UInt64
        package var measured: [String]

        package init(systemMode: Double, userMode: Double, percent: Double, totalTicks: Double, throttledPeriods: UInt64,
                    throttledTime: UInt64, measured: [String]) {
            self.systemMode = systemMode
            self.userMode = userMode
            self.percent = percent
            self.totalTicks = totalTicks
            self.throttledPeriods = throttledPeriods
            self.throttledTime = throttledTime
            self.measured = measured
        }

        enum CodingKeys: String, CodingKey {
            case percent, measured
            case systemMode = "system_mode"
            case userMode = "user_mode"
            case totalTicks = "total_ticks"
            case throttledPeriods = "throttled_periods"
            case throttledTime = "throttled_time"
        }
    }
}
