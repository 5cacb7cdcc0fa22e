import CorralResourceTypes
/// The limits of one task's cgroup, in kernel-neutral units; each manager converts them for its
/// version (docs/architecture.md, section 4). nil means "not limited".
package struct CgroupLimits: Equatable, Sendable {
    /// Hard memory limit: beyond it the task reclaims, then is OOM-killed.
    package var memoryMaxBytes: UInt64?
    /// Soft reservation: memory protected from reclaim (v2 `memory.low`, v1 soft limit).
    package var memoryReservationBytes: UInt64?
    /// Swap the task may use on top of its memory; swap is off unless asked.
    package var swap: SwapLimit = .none
    /// Relative CPU weight in cgroup v1 shares (1024 = one default task).
    package var cpuShares: UInt64?
    /// Hard CPU limit: at most `quota` µs of CPU time per `period` µs.
    package var cpuQuota: CPUQuota?
    /// Most processes and threads at once.
    package var pidsMax: Int?
    /// CPUs the task may run on, kernel list syntax (`0-2,4`).
    package var cpusetCPUs: String?
    /// Memory nodes, kernel list syntax; nil inherits the parent's.
    package var cpusetMems: String?
    /// The device nodes the task may use; everything else is denied. nil leaves devices alone.
    package var devices: [DeviceRule]?

    package init() {}

    /// Whether any limit is set (a task without limits still gets a cgroup for stats and kill).
    package var isEmpty: Bool { self == CgroupLimits() }

    /// The shares range both versions accept (v1 clamps silently outside it; corral refuses instead).
    package static let sharesRange: ClosedRange<UInt64> = 2...262_144

    /// Controllers these limits cannot do without.
    package var requiredControllers: Set<String> {
        var result = Set<String>()
        if memoryMaxBytes != nil || memoryReservationBytes != nil { result.insert("memory") }
        if cpuShares != nil || cpuQuota != nil { result.insert("cpu") }
        if pidsMax != nil { result.insert("pids") }
        if cpusetCPUs != nil || cpusetMems != nil { result.insert("cpuset") }
        return result
    }

    /// Refuses contradictory or out-of-range values before anything is created.
    package func validate() throws(CgroupError) {
        if let reservation = memoryReservationBytes, let max = memoryMaxBytes, reservation > max {
            throw .invalidLimit("memory reservation \(ByteCount.describe(reservation)) is above the memory limit "
                                + "\(ByteCount.describe(max))")
        }
        if case .bytes = swap, memoryMaxBytes == nil {
            throw .invalidLimit("a swap limit needs a memory limit")
        }
        if let shares = cpuShares, !Self.sharesRange.contains(shares) {
            throw .invalidLimit("cpu shares \(shares) out of range: expected \(Self.sharesRange.lowerBound) to "
                                + "\(Self.sharesRange.upperBound)")
        }
        if let quota = cpuQuota {
            guard CPUQuota.periodRange.contains(quota.periodMicros) else {
                throw .invalidLimit("cpu period \(quota.periodMicros) µs out of range: expected 1000 to 1000000")
            }
            guard quota.quotaMicros >= CPUQuota.minimumQuotaMicros else {
                throw .invalidLimit("cpu quota \(quota.quotaMicros) µs is below the kernel's minimum of 1000 µs")
            }
        }
        if let pids = pidsMax, pids < 1 {
            throw .invalidLimit("pids limit \(pids): expected at least 1")
        }
        for rule in devices ?? [] where !DeviceRule.isValidAccess(rule.access) {
            throw .invalidLimit("device rule \"\(rule)\": access must be made of r, w and m")
        }
        for (name, list) in [("cpuset cpus", cpusetCPUs), ("cpuset mems", cpusetMems)] {
            if let list, !Self.isKernelList(list) {
                throw .invalidLimit("\(name) \"\(list)\": expected a list like 0-2,4")
            }
        }
    }

    /// The highest CPU or memory node number a list may name (the kernel's NR_CPUS is at most 8192).
    package static let maximumListedIndex = 65535

    /// `N`, `N-M`, comma-separated.
    package static func isKernelList(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        return text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) })
            else { return false }
            // Numbers beyond any CPU or memory node the kernel can have (and beyond Int) are refused.
            guard let first = Int(bounds[0]), let last = Int(bounds.last!), last <= maximumListedIndex else { return false }
            return first <= last
        }
    }
}

/// How much swap a task may use on top of its memory limit.
package enum SwapLimit: Equatable, Sendable {
    /// No swap: the memory limit is the whole of what the task may use.
    case none
    /// Up to this many bytes of swap.
    case bytes(UInt64)
    /// As much swap as the host has.
    case unlimited
}

/// A CFS bandwidth limit.
package struct CPUQuota: Equatable, Sendable {
    package var quotaMicros: UInt64
    package var periodMicros: UInt64

    /// The period corral uses: 100 ms, the kernel's default.
    package static let defaultPeriodMicros: UInt64 = 100_000
    static let periodRange: ClosedRange<UInt64> = 1_000...1_000_000
    static let minimumQuotaMicros: UInt64 = 1_000

    package init(quotaMicros: UInt64, periodMicros: UInt64 = CPUQuota.defaultPeriodMicros) {
        self.quotaMicros = quotaMicros
        self.periodMicros = periodMicros
    }

    /// A limit of `cpus` CPUs' worth of time (docker's `--cpus`): 0.5 is half of one CPU.
    package init(cpus: Double, periodMicros: UInt64 = CPUQuota.defaultPeriodMicros) {
        self.init(quotaMicros: UInt64((cpus * Double(periodMicros)).rounded()), periodMicros: periodMicros)
    }

    /// A limit given as a fraction of the whole node (Nomad's percent ticks: 1.0 = every CPU):
    /// quota = percentTicks × period × nCPU.
    package init(percentTicks: Double, cpuCount: Int, periodMicros: UInt64 = CPUQuota.defaultPeriodMicros) {
        self.init(quotaMicros: UInt64((percentTicks * Double(periodMicros) * Double(cpuCount)).rounded()),
                  periodMicros: periodMicros)
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
