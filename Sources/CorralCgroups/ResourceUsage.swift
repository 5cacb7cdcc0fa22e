/// A task's resource usage in the shape of Nomad's `TaskResourceUsage`: memory in bytes, CPU as
/// percentages of one CPU and as MHz-equivalent ticks, derived from two successive cgroup readings.
public struct ResourceUsage: Codable, Equatable, Sendable {
    public var memory: MemoryStats
    public var cpu: CPUStats
    public var pids: UInt64
    /// When the reading was taken, Unix time in nanoseconds.
    public var timestamp: UInt64

    public init(memory: MemoryStats, cpu: CPUStats, pids: UInt64, timestamp: UInt64) {
        self.memory = memory
        self.cpu = cpu
        self.pids = pids
        self.timestamp = timestamp
    }

    /// Memory, in bytes.
    public struct MemoryStats: Codable, Equatable, Sendable {
        public var rss: UInt64
        public var cache: UInt64
        public var swap: UInt64
        public var mappedFile: UInt64
        public var usage: UInt64
        public var maxUsage: UInt64
        public var kernelUsage: UInt64
        public var kernelMaxUsage: UInt64
        public var measured: [String]

        public init(rss: UInt64, cache: UInt64, swap: UInt64, mappedFile: UInt64, usage: UInt64, maxUsage: UInt64,
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
    public struct CPUStats: Codable, Equatable, Sendable {
        public var systemMode: Double
        public var userMode: Double
        public var percent: Double
        /// `percent` expressed in MHz of this host's CPUs, Nomad's unit for CPU resources.
        public var totalTicks: Double
        public var throttledPeriods: UInt64
        /// Nanoseconds.
        public var throttledTime: UInt64
        public var measured: [String]

        public init(systemMode: Double, userMode: Double, percent: Double, totalTicks: Double, throttledPeriods: UInt64,
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

/// Turns successive `CgroupStats` readings into `ResourceUsage`: CPU percentages need the change
/// in CPU time over the change in wall time, so the tracker remembers the previous reading.
public struct ResourceUsageTracker: Sendable {
    /// MHz of one CPU, to express CPU use in ticks.
    public let megahertzPerCPU: Double
    private var previous: (stats: CgroupStats, at: UInt64)?

    public init(megahertzPerCPU: Double) {
        self.megahertzPerCPU = megahertzPerCPU
    }

    /// Usage for a reading taken at `nanoseconds` (any monotonic clock); the first reading has 0% CPU.
    public mutating func usage(_ stats: CgroupStats, at nanoseconds: UInt64, timestamp: UInt64) -> ResourceUsage {
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
