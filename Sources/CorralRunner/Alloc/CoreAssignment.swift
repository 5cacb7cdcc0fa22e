/// Which whole CPUs each task with `resources { cores = N }` gets, as Nomad's scheduler reserves them:
/// cores are the node's (`cpu.numcores`: 0 ..< N), a core goes to one task at a time, and a task that
/// is not dead keeps its cores until it is. The cores are stored with the allocation
/// (`Allocation.taskCores`), so a restarted agent or task keeps the same ones; the driver pins the
/// task to them (its cgroup's cpuset) and the task sees them in `NOMAD_CPU_CORES`.
package struct CoreAssignment: Sendable {
    /// The node's cores; empty when the node did not say how many it has.
    package let nodeCores: [Int]
    /// Cores held by allocations that still run.
    package private(set) var reserved: Set<Int> = []

    package init(nodeCores count: Int?) {
        self.init(cores: Array(0..<max(count ?? 0, 0)))
    }

    package init(cores: [Int]) {
        nodeCores = cores
    }

    /// The cores a node may pin tasks to: its online CPUs (`cpu.reservablecorelist`), else
    /// 0 ..< `cpu.numcores`.
    package init(node: NodeInfo) {
        if let list = node.attributes["cpu.reservablecorelist"].flatMap(Self.parseList) {
            self.init(cores: list)
        } else {
            self.init(nodeCores: node.attributes["cpu.numcores"].flatMap { Int($0) })
        }
    }

    /// The kernel's list form (`0-3,5`) read back; nil when it is not one (or names CPUs past 65535).
    package static func parseList(_ text: String) -> [Int]? {
        var cores: Set<Int> = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]),
                  low >= 0, high >= low, high < 65536 else { return nil }
            cores.formUnion(low...high)
        }
        return cores.isEmpty ? nil : cores.sorted()
    }

    /// The cores a stored allocation still holds: those of its tasks that are not dead.
    package static func held(by allocation: Allocation, states: [String: TaskState]) -> [Int] {
        guard allocation.desiredStatus == .run else { return [] }
        return allocation.taskCores.filter { states[$0.key]?.state != .dead }.values.flatMap { $0 }
    }

    package mutating func reserve(_ cores: [Int]) { reserved.formUnion(cores) }

    /// How many cores one instance of the job asks for in all (times each group's count).
    package static func demand(_ job: Job) -> Int {
        job.groups.reduce(0) { sum, group in
            let perInstance = group.tasks.reduce(0) { $0 + max($1.resources.cores ?? 0, 0) }
            let (product, overflow) = perInstance.multipliedReportingOverflow(by: max(group.count, 0))
            let (total, overflowed) = sum.addingReportingOverflow(overflow ? .max : product)
            return overflowed ? .max : total
        }
    }

    /// Nil when every task asking for cores can have them; otherwise what is short, with the numbers.
    package func problem(for job: Job) -> String? {
        let wanted = Self.demand(job)
        guard wanted > 0 else { return nil }
        let free = nodeCores.filter { !reserved.contains($0) }
        guard wanted > free.count else { return nil }
        var message = "job \"\(job.name)\" does not fit this node: needs \(wanted) whole cores (resources.cores), "
        if nodeCores.isEmpty { return message + "and this node did not say how many cores it has" }
        message += "node has \(free.count) free of \(nodeCores.count)"
        if !reserved.isEmpty { message += " (cores \(Self.cpusetList(Array(reserved))) reserved by running allocations)" }
        return message
    }

    /// The lowest free cores for each task of `group` that asks for some, reserved; nil when they are
    /// not all free (nothing is then reserved).
    package mutating func assign(_ group: TaskGroup) -> [String: [Int]]? {
        var free = nodeCores.filter { !reserved.contains($0) }
        var assigned: [String: [Int]] = [:]
        for task in group.tasks {
            guard let count = task.resources.cores, count > 0 else { continue }
            guard count <= free.count else { return nil }
            assigned[task.name] = Array(free.prefix(count))
            free.removeFirst(count)
        }
        for cores in assigned.values { reserve(cores) }
        return assigned
    }

    /// The kernel's list form, as cpuset files and Nomad's `NOMAD_CPU_CORES` write it: `0-2,5`.
    package static func cpusetList(_ cores: [Int]) -> String {
        var ranges: [String] = []
        var sorted = Array(Set(cores)).sorted()[...]
        while let first = sorted.first {
            var last = first
            sorted = sorted.dropFirst()
            while sorted.first == last + 1 { last = sorted.removeFirst() }
            ranges.append(first == last ? "\(first)" : "\(first)-\(last)")
        }
        return ranges.joined(separator: ",")
    }
}
