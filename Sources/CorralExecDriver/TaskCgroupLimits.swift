import CorralCgroups
import CorralDriver
#if canImport(Glibc)
import Glibc
#endif

/// A task's `resources` (and the driver's `cpu_hard_limit` and `pids_limit`) as cgroup limits: one
/// mapping for the exec and raw_exec drivers. Device rules are the caller's (raw_exec confines none).
enum TaskCgroupLimits {
    static func make(_ resources: TaskResources, cpuHardLimit: Bool, pidsLimit: Int?) throws(DriverError) -> CgroupLimits {
        var limits = CgroupLimits()
        limits.memoryMaxBytes = resources.memoryLimitBytes
        limits.memoryReservationBytes = resources.memoryReservationBytes
        limits.cpuShares = resources.cpuShares
        if cpuHardLimit {
            guard let ticks = resources.percentTicks, ticks > 0 else {
                throw .invalidConfig(key: "config.cpu_hard_limit", reason: "the task asks for no CPU to limit it to")
            }
            limits.cpuQuota = CPUQuota(percentTicks: ticks, cpuCount: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        }
        limits.pidsMax = PidsLimit.resolve(configured: pidsLimit, resources: resources.pids)
        limits.cpusetCPUs = resources.cpuset
        return limits
    }

    /// Checks the limits as the cgroup layer will apply them, in the driver's words.
    static func validate(_ limits: CgroupLimits) throws(DriverError) {
        do { try limits.validate() } catch { throw .invalidConfig(key: "resources", reason: error.description) }
    }
}
