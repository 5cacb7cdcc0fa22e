#if canImport(Glibc)
import Glibc
#endif

/// A task's cgroup on the unified hierarchy (cgroup v2): one directory, `<mount>/<parent>/<name>`.
struct CgroupV2Manager: CgroupManager {
    let version = CgroupVersion.v2
    let mount: String
    let parent: [String]
    let path: String
    /// Controllers enabled for the task: memory, cpu, pids whenever the host has them (stats and
    /// OOM reporting need them even without limits), cpuset when asked.
    let controllers: [String]
    let fs: any CgroupFileSystem

    var directories: [String] { [path] }

    init(mount: String, parent: [String], name: String, available: Set<String>, limits: CgroupLimits,
         fs: any CgroupFileSystem) throws(CgroupError) {
        for controller in limits.requiredControllers.sorted() where !available.contains(controller) {
            throw .unavailable(controller: controller,
                               reason: "\(mount)/cgroup.controllers offers only: \(available.sorted().joined(separator: " "))")
        }
        var wanted = ["cpu", "memory", "pids"].filter(available.contains)
        if limits.requiredControllers.contains("cpuset") { wanted.append("cpuset") }
        self.mount = mount
        self.parent = parent
        self.path = ([mount] + parent + [name]).joined(separator: "/")
        self.controllers = wanted
        self.fs = fs
    }

    func create() throws(CgroupError) {
        // Controllers reach a cgroup only through its ancestors' subtree_control, level by level.
        var directory = mount
        for component in parent {
            try enableControllers(in: directory)
            directory += "/" + component
            do { try fs.makeDirectory(directory) } catch .system(_, _, _, EEXIST) {}
        }
        try enableControllers(in: directory)
        do { try fs.makeDirectory(path) } catch .system(_, _, _, EEXIST) { throw .exists(path: path) }
    }

    private func enableControllers(in directory: String) throws(CgroupError) {
        let file = directory + "/cgroup.subtree_control"
        let enabled = Set(try fs.read(file).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        let missing = controllers.filter { !enabled.contains($0) }
        guard !missing.isEmpty else { return }
        try fs.write(missing.map { "+" + $0 }.joined(separator: " "), to: file)
    }

    func apply(_ limits: CgroupLimits) throws(CgroupError) -> [String] {
        var warnings: [String] = []
        if let max = limits.memoryMaxBytes {
            try fs.write(String(max), to: path + "/memory.max")
        }
        if let reservation = limits.memoryReservationBytes {
            // A cgroup is protected only as far as its ancestors are: open the way down from the
            // hierarchy's root (the parents are corral's own) and let each task claim its share.
            var directory = mount
            for component in parent {
                directory += "/" + component
                let file = directory + "/memory.low"
                if (try? fs.read(file))?.trimming(" \n") != "max" { try fs.write("max", to: file) }
            }
            try fs.write(String(reservation), to: path + "/memory.low")
        }
        if limits.memoryMaxBytes != nil {
            let file = path + "/memory.swap.max"
            let value: String
            switch limits.swap {
            case .none: value = "0"
            case .bytes(let bytes): value = String(bytes)
            case .unlimited: value = "max"
            }
            if fs.exists(file) {
                try fs.write(value, to: file)
            } else {
                switch limits.swap {
                case .bytes:
                    throw .unavailable(controller: "memory.swap",
                                       reason: "\(file) does not exist (swap accounting is off)")
                case .none where SwapCheck.hostHasSwap(fs):
                    warnings.append(SwapCheck.warning(file))
                case .none, .unlimited:
                    break
                }
            }
        }
        if let shares = limits.cpuShares {
            try fs.write(String(CgroupConversions.cpuWeight(shares: shares)), to: path + "/cpu.weight")
        }
        if let quota = limits.cpuQuota {
            try fs.write("\(quota.quotaMicros) \(quota.periodMicros)", to: path + "/cpu.max")
        }
        if let pids = limits.pidsMax {
            try fs.write(String(pids), to: path + "/pids.max")
        }
        if let cpus = limits.cpusetCPUs {
            try fs.write(cpus, to: path + "/cpuset.cpus")
        }
        if let mems = limits.cpusetMems {
            try fs.write(mems, to: path + "/cpuset.mems")
        }
        if let rules = limits.devices {
            try fs.attachDeviceProgram(DeviceProgram.program(rules), to: path)
        }
        return warnings
    }

    func openPlacement() throws(CgroupError) -> CgroupPlacement {
        let directoryFD = try fs.open(path, flags: O_RDONLY | O_DIRECTORY)
        do throws(CgroupError) {
            let procs = try fs.open(path + "/cgroup.procs", flags: O_WRONLY)
            return CgroupPlacement(cloneIntoFD: directoryFD, procsFDs: [procs], directories: [path])
        } catch {
            CgroupPlacement(cloneIntoFD: directoryFD, procsFDs: [], directories: []).close()
            throw error
        }
    }

    func stats() throws(CgroupError) -> CgroupStats {
        var stats = CgroupStats()
        if let text = try? fs.read(path + "/memory.current"), let usage = KeyValueFile.number(text) {
            stats.memory.usage = usage
            stats.memory.measured.append("Usage")
            let detail = KeyValueFile.parse((try? fs.read(path + "/memory.stat")) ?? "")
            stats.memory.rss = detail["anon"] ?? 0
            stats.memory.cache = detail["file"] ?? 0
            stats.memory.mappedFile = detail["file_mapped"] ?? 0
            stats.memory.measured += ["RSS", "Cache", "Mapped File"]
            // `kernel` is 5.18+; before it, its main parts.
            if let kernel = detail["kernel"] ?? Self.sum(detail, ["kernel_stack", "pagetables", "percpu", "sock", "slab"]) {
                stats.memory.kernelUsage = kernel
                stats.memory.measured.append("Kernel Usage")
            }
        }
        if let text = try? fs.read(path + "/memory.peak"), let peak = KeyValueFile.number(text) {
            stats.memory.maxUsage = peak
            stats.memory.measured.append("Max Usage")
        }
        if let text = try? fs.read(path + "/memory.swap.current"), let swap = KeyValueFile.number(text) {
            stats.memory.swap = swap
            stats.memory.measured.append("Swap")
        }
        let cpu = KeyValueFile.parse(try fs.read(path + "/cpu.stat"))
        stats.cpu.totalNanos = (cpu["usage_usec"] ?? 0) * 1000
        stats.cpu.userNanos = (cpu["user_usec"] ?? 0) * 1000
        stats.cpu.systemNanos = (cpu["system_usec"] ?? 0) * 1000
        stats.cpu.measured = ["System Mode", "User Mode", "Percent"]
        if let throttled = cpu["nr_throttled"] {
            stats.cpu.periods = cpu["nr_periods"] ?? 0
            stats.cpu.throttledPeriods = throttled
            stats.cpu.throttledNanos = (cpu["throttled_usec"] ?? 0) * 1000
            stats.cpu.measured += ["Throttled Periods", "Throttled Time"]
        }
        if let text = try? fs.read(path + "/pids.current"), let current = KeyValueFile.number(text) {
            stats.pids.current = current
        }
        return stats
    }

    static func sum(_ values: [String: UInt64], _ keys: [String]) -> UInt64? {
        let present = keys.compactMap { values[$0] }
        return present.isEmpty ? nil : present.reduce(0, +)
    }

    func oomKillCount() -> UInt64 {
        KeyValueFile.parse((try? fs.read(path + "/memory.events")) ?? "")["oom_kill"] ?? 0
    }

    func freeze() throws(CgroupError) {
        try setFrozen(true)
    }

    func thaw() throws(CgroupError) {
        try setFrozen(false)
    }

    private func setFrozen(_ frozen: Bool) throws(CgroupError) {
        try fs.write(frozen ? "1" : "0", to: path + "/cgroup.freeze")
        let want = frozen ? 1 : 0
        let events = path + "/cgroup.events"
        guard fs.wait(for: events, notifies: true, milliseconds: 5000, until: { KeyValueFile.parse($0)["frozen"] == UInt64(want) })
        else { throw .system(operation: frozen ? "freeze" : "thaw", path: events, value: nil, errno: ETIMEDOUT) }
    }

    func kill() throws(CgroupError) {
        let events = path + "/cgroup.events"
        guard fs.exists(path) else { return }
        // populated counts the whole subtree; an unreadable file is no proof of emptiness.
        let isEmpty: (String) -> Bool = { KeyValueFile.parse($0)["populated"] == 0 }
        if let text = try? fs.read(events), isEmpty(text) { return }
        if fs.exists(path + "/cgroup.kill") {
            try fs.write("1", to: path + "/cgroup.kill")  // the whole subtree
        } else {
            try ProcessSweep(fs: fs, directory: path, freezer: self).run()
        }
        guard fs.wait(for: events, notifies: true, milliseconds: 10_000, until: isEmpty) else {
            let left = ProcessSweep(fs: fs, directory: path, freezer: nil).pids().count
            throw .notEmpty(path: path, remaining: left)
        }
    }

    func remove() throws(CgroupError) {
        for directory in ProcessSweep.subtree(path, fs: fs) {
            do { try fs.removeDirectory(directory) } catch .system(_, _, _, ENOENT) {}
        }
    }
}
