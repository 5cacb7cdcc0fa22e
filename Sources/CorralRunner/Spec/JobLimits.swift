/// The range of every number in a job, however it arrived: a job file (HCL or JSON) through the
/// API or `corral run`, or a `Job` built by a program. Bounds keep every conversion far from
/// overflow (MiB to bytes with `<< 20`, sums over a node, nanoseconds) and lie beyond any host.
/// The job file decoder reports the same bounds at their lines; this check holds for everything.
package enum JobLimits {
    /// The most instances of one group: a single node runs them all.
    package static let maximumCount = 10_000
    /// 10 THz (a thousand 10 GHz cores).
    package static let maximumCPUMHz = 10_000_000
    /// 1 PiB, in MiB.
    package static let maximumMemoryMiB = 1 << 30
    package static let maximumCores = 65536
    /// The kernel's PID_MAX_LIMIT: no task can have more.
    package static let maximumPids = 4_194_304
    /// As `corral isolate --log-max-files`.
    package static let maximumLogFiles = 1000
    /// 1 TiB, in MiB (as `corral isolate --log-max-size`).
    package static let maximumLogFileSizeMiB = 1 << 20
    /// The longest kill timeout or shutdown delay: a year.
    package static let maximumWait: Duration = .seconds(365 * 24 * 3600)
    /// The highest uid or gid, as runc allows (4294967295 would read as -1, "unchanged").
    package static let maximumID: UInt32 = 0x7fff_ffff

    /// Every number of `job` out of its range, as `group "g" task "t": field: problem`; empty when
    /// all are in range.
    package static func problems(_ job: Job) -> [String] {
        var problems: [String] = []
        if !(1...100).contains(job.priority) { problems.append("priority: must be 1 to 100, got \(job.priority)") }
        if job.type == .system || job.type == .sysbatch, let group = job.groups.first(where: { $0.count > 1 }) {
            problems.append("group \"\(group.name)\": count: a \(job.type.rawValue) job runs one allocation of each group, got \(group.count)")
        }
        for group in job.groups {
            let where_ = "group \"\(group.name)\""
            func check(_ value: Int, _ range: ClosedRange<Int>, _ field: String, in place: String) {
                if !range.contains(value) {
                    problems.append("\(place): \(field): must be \(range.lowerBound) to \(range.upperBound), got \(value)")
                }
            }
            check(group.count, 0...maximumCount, "count", in: where_)
            for problem in group.restart?.problems ?? [] { problems.append("\(where_): restart.\(problem)") }
            for task in group.tasks {
                let place = "\(where_) task \"\(task.name)\""
                let resources = task.resources
                check(resources.cpuMHz, 0...maximumCPUMHz, "resources.cpu", in: place)
                check(resources.memoryMiB, 1...maximumMemoryMiB, "resources.memory", in: place)
                if let memoryMax = resources.memoryMaxMiB, !resources.hasNoMemoryLimit {
                    // Two checks, not one range: a memory above the maximum would make an empty range (a trap).
                    check(memoryMax, 1...maximumMemoryMiB, "resources.memory_max", in: place)
                    if memoryMax < resources.memoryMiB {
                        problems.append("\(place): resources.memory_max: must be at least memory (\(resources.memoryMiB)), got \(memoryMax)")
                    }
                }
                if let cores = resources.cores { check(cores, 1...maximumCores, "resources.cores", in: place) }
                if let pids = resources.pids { check(pids, 0...maximumPids, "resources.pids", in: place) }
                check(task.logs.maxFiles, 1...maximumLogFiles, "logs.max_files", in: place)
                check(task.logs.maxFileSizeMiB, 1...maximumLogFileSizeMiB, "logs.max_file_size", in: place)
                for (field, wait) in [("kill_timeout", task.killTimeout), ("shutdown_delay", task.shutdownDelay)]
                where wait < .zero || wait > maximumWait {
                    problems.append("\(place): \(field): must be 0 to 8760h (a year), got \(GoDuration.format(wait))")
                }
                if let problem = userIDProblem(task.user) { problems.append("\(place): user: \"\(task.user)\": \(problem)") }
                for problem in task.restart?.problems ?? [] { problems.append("\(place): restart.\(problem)") }
            }
        }
        return problems
    }

    /// Why a `USER[:GROUP]` cannot be: a numeric id outside 0...2147483647 (signed ones included:
    /// `-0` or `+0` would otherwise read as root). Names are resolved and checked at start.
    package static func userIDProblem(_ user: String) -> String? {
        for part in user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false) {
            let digits = part.hasPrefix("-") || part.hasPrefix("+") ? part.dropFirst() : part
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
            if part.first?.isNumber == true, let id = UInt32(part), id <= maximumID { continue }
            return "the id \(part) is out of range: expected 0 to \(maximumID)"
        }
        return nil
    }
}
