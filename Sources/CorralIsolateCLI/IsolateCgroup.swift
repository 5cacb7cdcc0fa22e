import CorralCgroups
import CorralIsolation
#if canImport(Glibc)
import Glibc
import CorralResourceTypes
#endif

/// The cgroup side of one `corral isolate` run: check, release, and report OOM kills and usage (the
/// cgroup is made by `SupervisedStart`; every task gets one, the device cgroup being part of the
/// default confinement, unless `--no-cgroup` says otherwise).
extension IsolateRun {
    /// A limit beyond the host's CPUs can never be met: say so instead of starting an unlimited task.
    func checkCPUs() throws(LaunchError) {
        let online = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if let cpus = options.cpus, let count = Double(cpus), online > 0, count > Double(online) {
            throw .invalid(option: "--cpus", value: cpus, reason: "this host has \(online) CPUs")
        }
    }

    /// Kills what is left of the task's cgroup and removes it, if the supervisor has not already.
    func releaseCgroup(_ cgroup: TaskCgroup?) {
        guard let cgroup else { return }
        do { try cgroup.destroy() } catch { printError("warning: \(error.description)") }
    }

    /// Tells the operator about an OOM kill and, with `--stats`, what the task used.
    func report(_ cgroup: TaskCgroup, state: StateDirectory) {
        // Decoding exit.json costs a few hundred microseconds of Swift start-up work (Codable
        // metadata); most runs have nothing to report, which the supervisor's fixed spelling shows.
        guard options.stats || Self.recordsOOMKill(LiveHost().readTextFile(atPath: state.exitRecordPath) ?? ""),
              let exit = try? TaskExit.read(from: state) else { return }
        if exit.oomKilled {
            let limit = cgroup.limits.memoryMaxBytes.map { "memory limit \(ByteCount.describe($0))" }
                ?? "no memory limit: the host ran out of memory"
            // The counter covers every process of the task: say whose death it was.
            let who = exit.signal == SIGKILL ? "task was" : "a process of the task was"
            printError("\(who) OOM killed (\(limit))")
        }
        if options.stats { printError(Self.statsLine(exit.resources)) }
    }

    /// Whether exit.json records an OOM kill (`TaskExit.recordsOOMKill`).
    static func recordsOOMKill(_ record: String) -> Bool { TaskExit.recordsOOMKill(record) }

    /// `stats: peak memory 12.5 MiB, CPU time 1.204 s (user 1.100 s, system 0.104 s), throttled 0.800 s in 12 periods`.
    static func statsLine(_ usage: TaskExit.FinalUsage?) -> String {
        guard let usage else { return "stats: not available (the task ran without a cgroup)" }
        var parts: [String] = []
        parts.append("peak memory " + (usage.memoryPeakBytes.map(ByteCount.describe) ?? "not measured"))
        if let total = usage.cpuTotalNanos {
            parts.append("CPU time \(seconds(total)) (user \(seconds(usage.cpuUserNanos ?? 0)), "
                         + "system \(seconds(usage.cpuSystemNanos ?? 0)))")
        }
        if let periods = usage.cpuThrottledPeriods {
            parts.append("throttled \(seconds(usage.cpuThrottledNanos ?? 0)) in \(periods) periods")
        }
        return "stats: " + parts.joined(separator: ", ")
    }

    static func seconds(_ nanos: UInt64) -> String {
        let millis = (nanos + 500_000) / 1_000_000
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
    }
}
