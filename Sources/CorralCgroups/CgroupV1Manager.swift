#if canImport(Glibc)
import Glibc
#endif

/// A task's cgroup on v1 hierarchies: one directory per hierarchy it joins, each
/// `<mount>/<parent>/<name>` (co-mounted controllers such as `cpu,cpuacct` share one).
struct CgroupV1Manager: CgroupManager {
    /// One hierarchy the task joins.
    struct Hierarchy: Equatable {
        var mount: String
        var controllers: [String]
        var path: String
    }

    let version = CgroupVersion.v1
    let parent: [String]
    let hierarchies: [Hierarchy]
    let fs: any CgroupFileSystem

    var directories: [String] { hierarchies.map(\.path) }

    /// Joined whenever mounted: OOM reporting and memory stats (memory), CPU time (cpuacct) and kill
    /// (freezer). The others only for a limit of theirs: each hierarchy costs a mkdir, a join and an
    /// rmdir per task. (cpuset must also have its CPUs and memory nodes filled in before it can hold a task.)
    static let alwaysJoined = ["memory", "cpuacct", "freezer"]

    /// Every controller corral may create a task directory in (`alwaysJoined` and those of limits).
    static let everyController = alwaysJoined + ["cpu", "pids", "cpuset", "devices"]

    /// With `everyController`, the manager spans every mounted hierarchy corral may have made the
    /// cgroup in, whatever its limits were: for removing what a start cut short left behind.
    init(mounts: [String: String], parent: [String], name: String, limits: CgroupLimits,
         fs: any CgroupFileSystem, everyController: Bool = false) throws(CgroupError) {
        for controller in limits.requiredControllers.sorted() where mounts[controller] == nil {
            throw .unavailable(controller: controller,
                               reason: "this host manages cgroups as v1 and no v1 hierarchy carries it "
                                   + "(see /proc/cgroups and /proc/self/mountinfo)")
        }
        let required = limits.requiredControllers
        if limits.devices != nil && mounts["devices"] == nil {
            throw .unavailable(controller: "devices", reason: "this host manages cgroups as v1 and no v1 hierarchy carries it")
        }
        let wanted = everyController ? Self.everyController
            : Self.alwaysJoined + ["cpu", "pids", "cpuset"].filter(required.contains) + (limits.devices != nil ? ["devices"] : [])
        var result: [Hierarchy] = []
        for controller in wanted {
            guard let mount = mounts[controller] else { continue }
            if let index = result.firstIndex(where: { $0.mount == mount }) {
                result[index].controllers.append(controller)
            } else {
                result.append(Hierarchy(mount: mount, controllers: [controller],
                                        path: ([mount] + parent + [name]).joined(separator: "/")))
            }
        }
        self.parent = parent
        self.hierarchies = result
        self.fs = fs
    }

    private init(parent: [String], hierarchies: [Hierarchy], fs: any CgroupFileSystem) {
        self.parent = parent
        self.hierarchies = hierarchies
        self.fs = fs
    }

    /// The same cgroup in only the hierarchies whose directory is among `directories`: those a
    /// recorded task joined. A manager of every controller would also name directories the task never
    /// had, and fail where it needs them all (the placement of an exec into the task).
    func restricted(to directories: [String]) -> CgroupV1Manager {
        CgroupV1Manager(parent: parent, hierarchies: hierarchies.filter { directories.contains($0.path) }, fs: fs)
    }

    /// The task's directory in the hierarchy carrying `controller`.
    func directory(for controller: String) -> String? {
        hierarchies.first { $0.controllers.contains(controller) }?.path
    }

    func create() throws(CgroupError) {
        var created: [String] = []
        do throws(CgroupError) {
            for hierarchy in hierarchies {
                let cpuset = hierarchy.controllers.contains("cpuset")
                var directory = hierarchy.mount
                for component in parent {
                    let above = directory
                    directory += "/" + component
                    do { try fs.makeDirectory(directory) } catch .system(_, _, _, EEXIST) {}
                    if cpuset { try inheritCpuset(into: directory, from: above) }
                }
                do { try fs.makeDirectory(hierarchy.path) } catch .system(_, _, _, EEXIST) {
                    throw .exists(path: hierarchy.path)
                }
                created.append(hierarchy.path)
                if cpuset { try inheritCpuset(into: hierarchy.path, from: directory) }
            }
        } catch {
            for path in created.reversed() { try? fs.removeDirectory(path) }
            throw error
        }
    }

    /// A new v1 cpuset cgroup starts with no CPUs and no memory nodes, and refuses tasks until
    /// both are set: copy the parent's where empty.
    private func inheritCpuset(into directory: String, from parentDirectory: String) throws(CgroupError) {
        for file in ["cpuset.cpus", "cpuset.mems"] {
            let current = try fs.read(directory + "/" + file).trimming(" \n")
            guard current.isEmpty else { continue }
            let inherited = try fs.read(parentDirectory + "/" + file).trimming(" \n")
            try fs.write(inherited, to: directory + "/" + file)
        }
    }

    func apply(_ limits: CgroupLimits) throws(CgroupError) -> [String] {
        var warnings: [String] = []
        if let memory = directory(for: "memory") {
            warnings += try applyMemory(limits, in: memory)
        }
        if let cpu = directory(for: "cpu") {
            if let shares = limits.cpuShares {
                try fs.write(String(shares), to: cpu + "/cpu.shares")
            }
            if let quota = limits.cpuQuota {
                // The period first: a quota is checked against the period in force.
                try fs.write(String(quota.periodMicros), to: cpu + "/cpu.cfs_period_us")
                try fs.write(String(quota.quotaMicros), to: cpu + "/cpu.cfs_quota_us")
            }
        }
        if let pids = limits.pidsMax, let directory = directory(for: "pids") {
            try fs.write(String(pids), to: directory + "/pids.max")
        }
        if let directory = directory(for: "cpuset") {
            if let cpus = limits.cpusetCPUs { try fs.write(cpus, to: directory + "/cpuset.cpus") }
            if let mems = limits.cpusetMems { try fs.write(mems, to: directory + "/cpuset.mems") }
        }
        if let rules = limits.devices, let directory = directory(for: "devices") {
            // Deny everything, then allow each rule (one per write, as the kernel parses them).
            try fs.write("a", to: directory + "/devices.deny")
            for rule in rules { try fs.write(rule.description, to: directory + "/devices.allow") }
        }
        return warnings
    }

    private func applyMemory(_ limits: CgroupLimits, in directory: String) throws(CgroupError) -> [String] {
        if let reservation = limits.memoryReservationBytes {
            try fs.write(String(reservation), to: directory + "/memory.soft_limit_in_bytes")
        }
        guard let max = limits.memoryMaxBytes else { return [] }
        let limitFile = directory + "/memory.limit_in_bytes"
        // memory+swap: exists only with swap accounting. Without it a host with swap cannot keep a
        // task off swap, which is only an error when the task asked for a swap allowance.
        let swapFile = directory + "/memory.memsw.limit_in_bytes"
        let total: String
        switch limits.swap {
        case .none: total = String(max)
        case .bytes(let bytes): total = String(max + bytes)
        case .unlimited: total = "-1"
        }
        guard fs.exists(swapFile) else {
            if case .bytes = limits.swap {
                throw .unavailable(controller: "memory.memsw",
                                   reason: "\(swapFile) does not exist (swap accounting is off: swapaccount=1)")
            }
            try fs.write(String(max), to: limitFile)
            return limits.swap == .none && SwapCheck.hostHasSwap(fs) ? [SwapCheck.warning(swapFile)] : []
        }
        // The kernel keeps limit <= memsw at every step: raising both needs memsw first, lowering
        // both needs the limit first. Try the limit first and fall back to the other order.
        do {
            try fs.write(String(max), to: limitFile)
        } catch .system(_, _, _, EINVAL) {
            try fs.write(total, to: swapFile)
            try fs.write(String(max), to: limitFile)
            return []
        }
        try fs.write(total, to: swapFile)
        return []
    }

    /// The task joins through each hierarchy's `tasks` file, not `cgroup.procs`: writing "0" to
    /// `tasks` moves only the calling thread (the task has exactly one at that point), and since
    /// Linux 6.0 that skips the global threadgroup lock, whose write side waits for an RCU grace
    /// period (3.8 ms per start on this host's kernel).
    func openPlacement() throws(CgroupError) -> CgroupPlacement {
        var fds: [Int32] = []
        do throws(CgroupError) {
            for hierarchy in hierarchies {
                fds.append(try fs.open(hierarchy.path + "/tasks", flags: O_WRONLY))
            }
        } catch {
            CgroupPlacement(cloneIntoFD: -1, procsFDs: fds, directories: []).close()
            throw error
        }
        return CgroupPlacement(cloneIntoFD: -1, procsFDs: fds, directories: directories)
    }

    func stats() throws(CgroupError) -> CgroupStats {
        var stats = CgroupStats()
        if let memory = directory(for: "memory") {
            stats.memory.usage = KeyValueFile.number(try fs.read(memory + "/memory.usage_in_bytes")) ?? 0
            stats.memory.maxUsage = (try? fs.read(memory + "/memory.max_usage_in_bytes")).flatMap(KeyValueFile.number)
            let detail = KeyValueFile.parse(try fs.read(memory + "/memory.stat"))
            stats.memory.rss = detail["total_rss"] ?? detail["rss"] ?? 0
            stats.memory.cache = detail["total_cache"] ?? detail["cache"] ?? 0
            stats.memory.mappedFile = detail["total_mapped_file"] ?? detail["mapped_file"] ?? 0
            stats.memory.swap = detail["total_swap"] ?? detail["swap"]
            stats.memory.measured = ["RSS", "Cache", "Mapped File", "Usage", "Max Usage"]
            if stats.memory.swap != nil { stats.memory.measured.append("Swap") }
            if let kernel = (try? fs.read(memory + "/memory.kmem.usage_in_bytes")).flatMap(KeyValueFile.number) {
                stats.memory.kernelUsage = kernel
                stats.memory.kernelMaxUsage = (try? fs.read(memory + "/memory.kmem.max_usage_in_bytes"))
                    .flatMap(KeyValueFile.number)
                stats.memory.measured += ["Kernel Usage", "Kernel Max Usage"]
            }
        }
        if let cpuacct = directory(for: "cpuacct") {
            stats.cpu.totalNanos = KeyValueFile.number(try fs.read(cpuacct + "/cpuacct.usage")) ?? 0
            // cpuacct.stat counts USER_HZ ticks.
            let ticks = KeyValueFile.parse(try fs.read(cpuacct + "/cpuacct.stat"))
            let nanosPerTick = UInt64(1_000_000_000 / max(1, sysconf(Int32(_SC_CLK_TCK))))
            stats.cpu.userNanos = (ticks["user"] ?? 0) * nanosPerTick
            stats.cpu.systemNanos = (ticks["system"] ?? 0) * nanosPerTick
            stats.cpu.measured = ["System Mode", "User Mode", "Percent"]
        }
        if let cpu = directory(for: "cpu"), let text = try? fs.read(cpu + "/cpu.stat") {
            let values = KeyValueFile.parse(text)
            stats.cpu.periods = values["nr_periods"] ?? 0
            stats.cpu.throttledPeriods = values["nr_throttled"] ?? 0
            stats.cpu.throttledNanos = values["throttled_time"] ?? 0
            stats.cpu.measured += ["Throttled Periods", "Throttled Time"]
        }
        if let pids = directory(for: "pids") {
            stats.pids.current = KeyValueFile.number(try fs.read(pids + "/pids.current")) ?? 0
        }
        return stats
    }

    func oomKillCount() -> UInt64 {
        guard let memory = directory(for: "memory") else { return 0 }
        return KeyValueFile.parse((try? fs.read(memory + "/memory.oom_control")) ?? "")["oom_kill"] ?? 0
    }

    func freeze() throws(CgroupError) {
        try setFreezer("FROZEN")
    }

    func thaw() throws(CgroupError) {
        try setFreezer("THAWED")
    }

    private func setFreezer(_ state: String) throws(CgroupError) {
        guard let freezer = directory(for: "freezer") else {
            throw .unavailable(controller: "freezer", reason: "no v1 freezer hierarchy is mounted")
        }
        let file = freezer + "/freezer.state"
        // FREEZING turns into FROZEN once every task has stopped; writing FROZEN again retries the
        // ones that were busy. The v1 freezer has no change notification, hence the re-reads.
        for _ in 0..<50 {
            try fs.write(state, to: file)
            if fs.wait(for: file, notifies: false, milliseconds: 100, until: { $0.hasPrefix(state) }) { return }
        }
        throw .system(operation: "set freezer state", path: file, value: state, errno: ETIMEDOUT)
    }

    func kill() throws(CgroupError) {
        guard let first = hierarchies.first(where: { fs.exists($0.path) }) else { return }
        let canFreeze = directory(for: "freezer").map(fs.exists) ?? false
        try ProcessSweep(fs: fs, directory: first.path, freezer: canFreeze ? self : nil).run()
    }

    func remove() throws(CgroupError) {
        var firstError: CgroupError?
        for path in directories.flatMap({ ProcessSweep.subtree($0, fs: fs) }) {
            do throws(CgroupError) {
                try fs.removeDirectory(path)
            } catch {
                if case .system(_, _, _, ENOENT) = error { continue }
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }
}
