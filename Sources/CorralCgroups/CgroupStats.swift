/// One reading of a task's cgroup counters, in the same units on both versions. Fields a kernel
/// does not expose are nil; `measured` lists what was read, as Nomad's stats do.
package struct CgroupStats: Equatable, Sendable, Codable {
    package var memory = Memory()
    package var cpu = CPU()
    package var pids = PIDs()

    package init() {}

    /// Memory, in bytes.
    package struct Memory: Equatable, Sendable, Codable {
        /// Everything charged to the cgroup now (v2 `memory.current`, v1 `memory.usage_in_bytes`).
        package var usage: UInt64 = 0
        /// The highest usage seen (v2 `memory.peak`, 5.19+; v1 `memory.max_usage_in_bytes`).
        package var maxUsage: UInt64?
        /// Anonymous memory (v2 `anon`, v1 `total_rss`).
        package var rss: UInt64 = 0
        /// Page cache (v2 `file`, v1 `total_cache`).
        package var cache: UInt64 = 0
        package var mappedFile: UInt64 = 0
        package var swap: UInt64?
        /// Kernel memory charged to the cgroup (v2 `kernel`, or its parts before 5.18; v1 kmem).
        package var kernelUsage: UInt64?
        package var kernelMaxUsage: UInt64?
        package var measured: [String] = []
        package init() {}
    }

    /// CPU time, in nanoseconds, since the cgroup was created.
    package struct CPU: Equatable, Sendable, Codable {
        package var totalNanos: UInt64 = 0
        package var userNanos: UInt64 = 0
        package var systemNanos: UInt64 = 0
        /// CFS periods with the task runnable, and those in which it was throttled by its quota.
        package var periods: UInt64 = 0
        package var throttledPeriods: UInt64 = 0
        package var throttledNanos: UInt64 = 0
        package var measured: [String] = []
        package init() {}
    }

    /// Process counts.
    package struct PIDs: Equatable, Sendable, Codable {
        package var current: UInt64 = 0
        package init() {}
    }
}

/// Parsers for the `key value` files cgroups expose (`memory.stat`, `cpu.stat`, `memory.events`…).
enum KeyValueFile {
    static func parse(_ text: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let value = UInt64(fields[1]) else { continue }
            result[String(fields[0])] = value
        }
        return result
    }

    /// A file holding one number (`max` reads as nil).
    static func number(_ text: String) -> UInt64? {
        UInt64(text.trimming(" \n"))
    }
}

extension String {
    /// Without the leading and trailing characters found in `set` (cgroup files end in a newline).
    func trimming(_ set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
