import CorralAPI
import CorralDriver
import CorralRunner
import Foundation

extension Agent {
    /// The full id of the allocation `id` names, exactly or as a unique prefix.
    func resolve(_ id: String) throws(AgentError) -> String {
        if records[id] != nil { return id }
        guard !id.isEmpty else { throw .notFound(what: "allocation", id: id) }
        let matches = order.filter { $0.hasPrefix(id.lowercased()) }
        switch matches.count {
        case 0: throw .notFound(what: "allocation", id: id)
        case 1: return matches[0]
        default: throw .ambiguous(prefix: id, matches: matches)
        }
    }

    func record(_ id: String) throws(AgentError) -> AllocationRecord {
        let full = try resolve(id)
        guard let record = records[full] else { throw .notFound(what: "allocation", id: id) }
        return record
    }

    func stub(_ record: AllocationRecord) -> AllocStub {
        let allocation = record.allocation
        return AllocStub(id: allocation.id, name: allocation.name, jobID: allocation.job.id, taskGroup: allocation.groupName,
                         index: allocation.index, desiredStatus: allocation.desiredStatus,
                         clientStatus: record.status.clientStatus, clientDescription: record.status.description,
                         tasks: record.status.taskStates.mapValues(\.state), createTime: record.createTime,
                         modifyIndex: record.modifyIndex)
    }

    func detail(_ record: AllocationRecord) async -> AllocDetail {
        var usage: [String: TaskResourceUsage] = [:]
        var resources: [String: TaskResourceSpec] = [:]
        for task in record.allocation.group?.tasks ?? [] {
            resources[task.name] = task.resources
            if record.status.taskStates[task.name]?.state == .running,
               let latest = await record.runner.runner(for: task.name)?.latestResourceUsage {
                usage[task.name] = latest
            }
        }
        return AllocDetail(stub: stub(record), taskStates: record.status.taskStates, resourceUsage: usage, resources: resources)
    }

    // MARK: Allocations

    package func allocations(prefix: String? = nil, job: String? = nil) -> [AllocStub] {
        order.compactMap { records[$0] }
            .filter { prefix == nil || $0.allocation.id.hasPrefix(prefix!.lowercased()) }
            .filter { job == nil || $0.allocation.job.id == job }
            .map(stub)
    }

    package func allocation(_ id: String) async throws(AgentError) -> AllocDetail {
        await detail(try record(id))
    }

    /// A blocking query: returns once the allocation's modify index passes `index`, or after
    /// `timeout`, or when the agent shuts down (with the allocation as it is then).
    package func allocation(_ id: String, after index: UInt64, timeout: Duration) async throws(AgentError) -> AllocDetail {
        let full = try resolve(id)
        if let record = records[full], record.modifyIndex <= index, !shuttingDown {
            let waiterID = nextWaiterID
            nextWaiterID += 1
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.resumeWaiter(full, waiterID)
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    waiters[full, default: []].append(AllocationWaiter(id: waiterID, after: index, continuation: continuation))
                    if Task.isCancelled { resumeWaiter(full, waiterID) }
                }
            } onCancel: {
                Task { [weak self] in await self?.resumeWaiter(full, waiterID) }
            }
            timer.cancel()
        }
        return await detail(try record(full))
    }

    func resumeWaiter(_ id: String, _ waiterID: UInt64) {
        guard let position = waiters[id]?.firstIndex(where: { $0.id == waiterID }) else { return }
        waiters[id]!.remove(at: position).continuation.resume()
    }

    /// Answers the blocking queries on `id` whose index is now passed (or all of them).
    func resumeWaiters(_ id: String, all: Bool = false) {
        guard let list = waiters[id] else { return }
        let current = records[id]?.modifyIndex ?? .max
        var kept: [AllocationWaiter] = []
        for waiter in list {
            if all || current > waiter.after { waiter.continuation.resume() } else { kept.append(waiter) }
        }
        waiters[id] = kept.isEmpty ? nil : kept
    }

    // MARK: Jobs

    package func jobs(prefix: String? = nil) -> [JobStub] {
        var seen: [String] = []
        for id in order {
            guard let job = records[id]?.allocation.job.id, !seen.contains(job) else { continue }
            if let prefix, !job.hasPrefix(prefix) { continue }
            seen.append(job)
        }
        let all = order.compactMap { records[$0] }
        return seen.map { job in jobStub(job, allocations: all.filter { $0.allocation.job.id == job }) }
    }

    package func job(_ id: String) async throws(AgentError) -> JobDetail {
        let allocations = order.compactMap { records[$0] }.filter { $0.allocation.job.id == id }
        guard let first = allocations.first else { throw .notFound(what: "job", id: id) }
        return JobDetail(stub: jobStub(id, allocations: allocations), job: first.allocation.job, allocations: allocations.map(stub))
    }

    func jobStub(_ id: String, allocations: [AllocationRecord]) -> JobStub {
        var summary = AllocCounts()
        for record in allocations { summary.count(record.status.clientStatus) }
        let live = allocations.filter { !$0.isTerminal }
        let status = live.isEmpty ? "dead" : live.contains { $0.status.clientStatus == .running } ? "running" : "pending"
        let job = allocations[0].allocation.job
        return JobStub(id: id, name: job.name, type: job.type, status: status,
                       stopped: allocations.allSatisfy { $0.allocation.desiredStatus != .run },
                       submitTime: allocations.map(\.createTime).min() ?? .distantPast, summary: summary,
                       jobModifyIndex: allocations.map { $0.allocation.jobModifyIndex ?? $0.restoredJobIndex }.max() ?? 0)
    }

    // MARK: Node

    package func nodeStatus() -> NodeResponse {
        var counts = AllocCounts()
        for record in records.values { counts.count(record.status.clientStatus) }
        let check = resourceCheck()
        let drivers = fingerprints.mapValues {
            DriverStatus(detected: $0.health != .undetected, healthy: $0.health == .healthy,
                         description: $0.healthDescription, attributes: $0.attributes)
        }
        return NodeResponse(node: node, drivers: drivers, memoryMiB: check.nodeMemoryMiB, cpuMHz: check.nodeCPUMHz,
                            reservedMemoryMiB: check.reservedMemoryMiB, reservedCPUMHz: check.reservedCPUMHz,
                            allocations: counts, problems: problems.isEmpty ? nil : problems)
    }

    /// What degrades the agent now: a state store that refuses writes.
    var problems: [String] {
        guard let failure = (store as? MonitoredStateStore)?.currentFailure else { return [] }
        return ["state store writes failing since \(ISO8601DateFormatter().string(from: failure.since)): \(failure.error)"]
    }

    package func health(version: String) -> HealthResponse {
        let uptime = ContinuousClock.now - started
        return HealthResponse(ok: !shuttingDown, version: version,
                              uptimeSeconds: Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
                              allocations: records.count, problems: problems)
    }
}
