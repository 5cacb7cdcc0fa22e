import CorralCgroups
import CorralIsolation
import CorralResourceTypes

/// The cgroup flags of `corral isolate`, turned into `CgroupLimits`.
extension Isolate {
    /// Docker's minimum: below it a task's own start-up (the dynamic loader, a shell) is OOM-killed.
    static let minimumMemory: UInt64 = 6 << 20
    /// Every task has a pids limit unless `--pids 0` (or `max`) says otherwise (Podman's default).
    static let defaultPids = 2048
    /// The largest memory size any flag takes (1 PiB, as job files): far from overflow in any
    /// conversion, and beyond any host.
    static let maximumMemory: UInt64 = 1 << 50
    /// The most CPUs `--cpus` takes (the quota stays far inside the kernel's range); the host's own
    /// count is checked at start.
    static let maximumCPUs: Double = 8192
    /// The kernel's PID_MAX_LIMIT: no task can have more.
    static let maximumPids = 4_194_304

    /// The limits the flags ask for; a malformed or contradictory value names its flag (exit 2).
    func cgroupLimits() throws(LaunchError) -> CgroupLimits {
        var limits = CgroupLimits()
        limits.memoryMaxBytes = try size("--memory", memory)
        if let max = limits.memoryMaxBytes, max < Self.minimumMemory {
            throw .usage(option: "--memory", value: memory ?? "",
                         reason: "below the minimum of \(ByteCount.describe(Self.minimumMemory)) (the task could not even start)")
        }
        limits.memoryReservationBytes = try size("--memory-reservation", memoryReservation)
        // As Docker: 0 means "not set".
        if let memorySwap, memorySwap != "0" {
            guard let max = limits.memoryMaxBytes else {
                throw .usage(option: "--memory-swap", value: memorySwap, reason: "needs --memory")
            }
            if memorySwap == "-1" {
                limits.swap = .unlimited
            } else {
                let total = try size("--memory-swap", memorySwap)!
                guard total >= max else {
                    throw .usage(option: "--memory-swap", value: memorySwap,
                                 reason: "memory plus swap must be at least --memory (\(ByteCount.describe(max)))")
                }
                limits.swap = total == max ? .none : .bytes(total - max)
            }
        }
        if let reservation = limits.memoryReservationBytes, let max = limits.memoryMaxBytes, reservation > max {
            throw .usage(option: "--memory-reservation", value: memoryReservation ?? "",
                         reason: "above --memory (\(ByteCount.describe(max)))")
        }
        if let cpuShares {
            guard CgroupLimits.sharesRange.contains(cpuShares) else {
                throw .usage(option: "--cpu-shares", value: String(cpuShares), reason: "expected 2 to 262144")
            }
            limits.cpuShares = cpuShares
        }
        if let cpus = try cpuCount() {
            limits.cpuQuota = CPUQuota(cpus: cpus)
        }
        if let pids {
            if pids != "0" && pids != "max" {
                guard let count = Int(pids), count >= 1 else {
                    throw .usage(option: "--pids", value: pids, reason: "expected a number of at least 1, or 0 or max for no limit")
                }
                guard count <= Self.maximumPids else {
                    throw .usage(option: "--pids", value: pids, reason: "expected at most \(Self.maximumPids)")
                }
                limits.pidsMax = count
            }
        } else if !noCgroup {
            limits.pidsMax = Self.defaultPids
        }
        if let cpuset {
            guard CgroupLimits.isKernelList(cpuset) else {
                throw .usage(option: "--cpuset", value: cpuset, reason: "expected a CPU list like 0-1 or 0,2")
            }
            limits.cpusetCPUs = cpuset
        }
        do { _ = try CgroupManagers.components(of: cgroupParent, what: "--cgroup-parent") } catch {
            throw .usage(option: "--cgroup-parent", value: cgroupParent, reason: "expected a relative path like corral or jobs/web")
        }
        return limits
    }

    /// `--cpus` as a number of CPUs: finite, 0.01 to `maximumCPUs` (NaN, infinities and huge
    /// values would overflow the quota's conversion to an integer).
    func cpuCount() throws(LaunchError) -> Double? {
        guard let cpus else { return nil }
        // Decimal only (Double also reads hexadecimal floats, "nan" and "inf").
        guard cpus.allSatisfy({ "0123456789.eE+-".contains($0) }), let value = Double(cpus), value.isFinite else {
            throw .usage(option: "--cpus", value: cpus, reason: "expected a number of CPUs like 0.5 or 2")
        }
        guard value >= 0.01 else { throw .usage(option: "--cpus", value: cpus, reason: "expected at least 0.01") }
        guard value <= Self.maximumCPUs else {
            throw .usage(option: "--cpus", value: cpus, reason: "expected at most \(Int(Self.maximumCPUs))")
        }
        return value
    }

    private func size(_ option: String, _ text: String?) throws(LaunchError) -> UInt64? {
        guard let text else { return nil }
        guard let bytes = parseByteSize(text) else {
            throw .usage(option: option, value: text, reason: "expected a size like 64m or 1g")
        }
        guard bytes <= Self.maximumMemory else {
            throw .usage(option: option, value: text, reason: "expected at most \(ByteCount.describe(Self.maximumMemory))")
        }
        return bytes
    }
}
