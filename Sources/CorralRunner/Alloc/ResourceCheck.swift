/// Whether a job fits the node: the memory (MiB) and CPU (MHz) its allocations ask for against the
/// node's totals minus what allocations still running from the same data directory reserve.
package struct ResourceCheck: Sendable {
    package var nodeMemoryMiB: Int?
    package var nodeCPUMHz: Int?
    package var reservedMemoryMiB = 0
    package var reservedCPUMHz = 0

    package init(nodeMemoryMiB: Int?, nodeCPUMHz: Int?) {
        self.nodeMemoryMiB = nodeMemoryMiB
        self.nodeCPUMHz = nodeCPUMHz
    }

    /// The memory and CPU of one instance of each group, times its count.
    package static func demand(_ job: Job) -> (memoryMiB: Int, cpuMHz: Int) {
        var memory = 0
        var cpu = 0
        for group in job.groups {
            for task in group.tasks {
                // Saturating: a job from the API is not range-checked like a job file, and must not trap.
                memory = saturatingAdd(memory, saturatingMultiply(task.resources.memoryMiB, group.count))
                cpu = saturatingAdd(cpu, saturatingMultiply(task.resources.cpuMHz, group.count))
            }
        }
        return (memory, cpu)
    }

    /// What a stored allocation still reserves: its tasks that are not dead.
    package static func reservation(_ allocation: Allocation, states: [String: TaskState]) -> (memoryMiB: Int, cpuMHz: Int) {
        guard let group = allocation.group, allocation.desiredStatus == .run else { return (0, 0) }
        var memory = 0
        var cpu = 0
        for task in group.tasks where states[task.name]?.state != .dead {
            memory = saturatingAdd(memory, task.resources.memoryMiB)
            cpu = saturatingAdd(cpu, task.resources.cpuMHz)
        }
        return (memory, cpu)
    }

    /// Nil when the job fits; otherwise what is short, with the numbers.
    package func problem(for job: Job) -> String? {
        let (memory, cpu) = Self.demand(job)
        var short: [String] = []
        if let total = nodeMemoryMiB, memory > total - reservedMemoryMiB {
            short.append("needs \(memory) MiB memory, node has \(max(total - reservedMemoryMiB, 0)) MiB free"
                         + (reservedMemoryMiB > 0 ? " (\(total) MiB, \(reservedMemoryMiB) MiB reserved by running allocations)" : ""))
        }
        if let total = nodeCPUMHz, cpu > total - reservedCPUMHz {
            short.append("needs \(cpu) MHz CPU, node has \(max(total - reservedCPUMHz, 0)) MHz free"
                         + (reservedCPUMHz > 0 ? " (\(total) MHz, \(reservedCPUMHz) MHz reserved by running allocations)" : ""))
        }
        return short.isEmpty ? nil : "job \"\(job.name)\" does not fit this node: " + short.joined(separator: "; ")
    }
}

private func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? (b > 0 ? .max : .min) : sum
}

private func saturatingMultiply(_ a: Int, _ b: Int) -> Int {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? ((a < 0) == (b < 0) ? .max : .min) : product
}
