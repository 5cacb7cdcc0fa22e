import CorralAPI
import CorralDriver
import CorralExecDriver
import CorralJobspec
import CorralRunner
import Foundation

extension Agent {
    /// Parses a job file (HCL, or JSON when `json` or when it starts with `{`) and runs it.
    /// `directory` (absolute) is where the file is: relative host paths in its driver configs are
    /// taken relative to it, as `corral run` does. Without it they are refused, since they would
    /// otherwise be relative to wherever the agent runs.
    /// `variables` set the file's variables; its file functions are refused (`file()` would read the
    /// agent's host).
    package func submit(source: String, filename: String, json: Bool? = nil, directory: String? = nil,
                       enforceIndex: UInt64? = nil, variables: JobVariableInputs = JobVariableInputs()) async throws(AgentError) -> JobSubmitResponse {
        var job = try await Self.parse(source, file: filename, json: json, drivers: drivers.mapValues(\.configSchema),
                                       variables: variables).get()
        if let directory {
            guard directory.hasPrefix("/") else { throw .badRequest("dir=\(directory): an absolute directory") }
            job = JobPaths.resolve(job, relativeTo: directory)
        } else if JobPaths.resolve(job, relativeTo: "/") != job {
            throw .badRequest("the job names relative host paths (image, seccomp_profile or mount sources): make them absolute, or send dir= with the job file's directory")
        }
        return try await submit(job, enforceIndex: enforceIndex)
    }

    /// Runs a job: `count` allocations per group, each persisted before this returns. A job of the
    /// same id replaces the earlier one: its allocations are killed and removed first. A job that
    /// does not fit the node (memory, CPU) is refused and nothing is created.
    ///
    /// A job identical to the version that runs (the parsed job, so comments, layout and the order
    /// of attributes do not count) changes nothing: the answer names the allocations already
    /// there, `unchanged`. A client retrying a submission whose answer it lost thus never restarts
    /// the job. A stopped job is not "running": submitting it again starts it afresh.
    ///
    /// `enforceIndex` (Nomad's `EnforceIndex` with `JobModifyIndex`) is a compare-and-set: 0 means
    /// the job must not exist; any other value must be the job's modify index. Otherwise nothing
    /// changes and the submission is refused (`indexMismatch`, 409, with the current index).
    package func submit(_ job: Job, enforceIndex: UInt64? = nil) async throws(AgentError) -> JobSubmitResponse {
        try await gate.run { () async throws(AgentError) -> JobSubmitResponse in
            try await self.submitNow(job, enforceIndex: enforceIndex)
        }
    }

    /// What submitting `job` would do, once every check passed: nothing (the same version runs), or
    /// start it, replacing what runs of an earlier version.
    enum Admission {
        case unchanged(allocations: [String], jobModifyIndex: UInt64)
        case accepted(replaced: [String], cores: CoreAssignment)
    }

    /// What submitting the job file would do (Nomad's `job plan`): parsed and checked as `submit` does,
    /// nothing stored, started or stopped. A job the agent would refuse is answered with the refusal;
    /// an invalid job file throws as `submit` does.
    package func plan(source: String, filename: String, json: Bool? = nil, directory: String? = nil,
                     variables: JobVariableInputs = JobVariableInputs()) async throws(AgentError) -> JobPlanResponse {
        var job = try await Self.parse(source, file: filename, json: json, drivers: drivers.mapValues(\.configSchema),
                                       variables: variables).get()
        if let directory, directory.hasPrefix("/") { job = JobPaths.resolve(job, relativeTo: directory) }
        let current = jobModifyIndex(job.id) ?? 0
        let placements = job.groups.map { JobPlanResponse.Placement(group: $0.name, count: $0.count) }
        let running = order.filter { records[$0]?.allocation.job.id == job.id }
        let notes = ConstraintCheck.notes(job, node: node)
        do throws(AgentError) {
            switch try admission(job, enforceIndex: nil) {
            case .unchanged:
                return JobPlanResponse(jobID: job.id, change: .none, place: [], stop: [], jobModifyIndex: current, warnings: notes)
            case .accepted(let replaced, _):
                return JobPlanResponse(jobID: job.id, change: replaced.isEmpty ? .create : .update, place: placements,
                                       stop: replaced, jobModifyIndex: current, warnings: notes)
            }
        } catch {
            return JobPlanResponse(jobID: job.id, change: running.isEmpty ? .create : .update, place: placements, stop: running,
                                   jobModifyIndex: current, refusal: error.description, warnings: notes)
        }
    }

    /// Parses a job file off the agent's actor: evaluating a job file may take up to the evaluation's
    /// deadline (`HCLBudget`), and the actor must go on serving every other request meanwhile. File
    /// functions are refused (`directory` nil): they would read the agent's host.
    nonisolated static func parse(_ source: String, file: String, json: Bool?, drivers: [String: CorralDriver.ConfigSchema],
                                  variables: JobVariableInputs) async -> Result<Job, AgentError> {
        do {
            return .success(try Jobspec.parse(source, file: file, format: json.map { $0 ? .json : .hcl }, drivers: drivers,
                                              variables: variables, directory: nil))
        } catch {
            return .failure(.invalidJob(error))
        }
    }

    /// Every check a submission passes before anything changes (shared by `submit` and `plan`): limits,
    /// placement and constraints on this node, the compare-and-set index, the drivers and the agent's
    /// policy, the node's free memory, CPU and cores. Throws the refusal a submission would get.
    func admission(_ job: Job, enforceIndex: UInt64?) throws(AgentError) -> Admission {
        guard !shuttingDown else { throw .conflict("the agent is shutting down") }
        // Every path (HCL, JSON, a Job built by a program): no number may wrap further on.
        let outOfRange = JobLimits.problems(job)
        guard outOfRange.isEmpty else { throw .badRequest("job \"\(job.id)\": " + outOfRange.joined(separator: "; ")) }
        // Region, namespace and datacenters: a job this node cannot take is refused, never run anyway.
        let misplaced = JobPlacement.problems(job, node: node, namespaces: settings.namespaces)
            + ConstraintCheck.problems(job, node: node)
        guard misplaced.isEmpty else { throw .badRequest(misplaced.joined(separator: "; ")) }
        if let (id, entry) = unrestored.first(where: { $0.value.allocation.job.id == job.id }) {
            throw .conflict("allocation \(id) of job \(job.id) was not restored (\(entry.reason)); its tasks may still run: remove it with `corral alloc-run --destroy \(id)` (agent stopped) before submitting the job again")
        }
        let current = jobModifyIndex(job.id)
        if let expected = enforceIndex, expected != (current ?? 0) {
            throw .indexMismatch(job: job.id, expected: expected, current: current ?? 0)
        }
        if let current, let existing = runningVersion(of: job) {
            return .unchanged(allocations: existing, jobModifyIndex: current)
        }
        for group in job.groups {
            for task in group.tasks where drivers[task.driver] == nil {
                throw .badRequest("task \"\(task.name)\": unknown driver \"\(task.driver)\" (this agent has \(drivers.keys.sorted().joined(separator: ", ")))")
            }
        }
        // The agent's policy (raw_exec, allow_caps, the bind and device allow-lists, corral's own
        // directories) refuses the job before anything is stored or started.
        let policy = settings.driverPolicy
        for group in job.groups {
            for task in group.tasks {
                if let problem = policy.problem(task: task.name, driver: task.driver, config: task.config, mounts: task.mounts,
                                                devices: task.devices) {
                    throw .badRequest(problem)
                }
                if task.driver == "exec",
                   let problem = policy.users.submissionProblem(task: task.name, user: task.user,
                                                                image: ConfigReader(task.config).string("image"),
                                                                chrootEnv: settings.chrootEnv ?? DriverOptions().chrootEnv) {
                    throw .badRequest(problem)
                }
            }
        }
        let replaced = order.filter { records[$0]?.allocation.job.id == job.id }
        // The fit is judged as if the replaced allocations were gone, and they go only once the
        // new job is accepted: a refused resubmission leaves the running job alone.
        if let problem = resourceCheck(excluding: Set(replaced)).problem(for: job) { throw .conflict(problem) }
        let cores = coreAssignment(excluding: Set(replaced))
        if let problem = cores.problem(for: job) { throw .conflict(problem) }
        return .accepted(replaced: replaced, cores: cores)
    }

    private func submitNow(_ job: Job, enforceIndex: UInt64?) async throws(AgentError) -> JobSubmitResponse {
        let replaced: [String]
        var cores: CoreAssignment
        switch try admission(job, enforceIndex: enforceIndex) {
        case .unchanged(let existing, let current):
            logger.info("job unchanged", metadata: ["job": "\(job.id)", "allocations": "\(existing.count)"])
            return JobSubmitResponse(jobID: job.id, allocations: existing, jobModifyIndex: current, unchanged: true)
        case .accepted(let stopping, let assignment):
            (replaced, cores) = (stopping, assignment)
        }
        try await destroyAllocations(replaced, reason: "job \(job.id) was replaced")

        let now = Date()
        let modifyIndex = nextIndex()
        var created: [(Allocation, AllocRunner)] = []
        for group in job.groups {
            for index in 0..<group.count {
                // `problem(for:)` counted every core this job asks for: each instance gets its own.
                guard let taskCores = cores.assign(group) else { throw .conflict("not enough free cores for group \"\(group.name)\"") }
                let allocation = Allocation(id: UUID().uuidString.lowercased(), job: job, groupName: group.name, index: index,
                                            createTime: now, jobModifyIndex: modifyIndex, taskCores: taskCores)
                do { created.append((allocation, try makeRunner(allocation))) } catch { throw .badRequest(error.description) }
            }
        }
        for (allocation, _) in created {
            do { try await store.putAllocation(allocation) } catch {
                for (stored, _) in created { try? await store.deleteAllocation(id: stored.id) }
                throw .failed(error.description)
            }
        }
        // A shutdown that began meanwhile (the replaced tasks' kills can take their kill_timeout)
        // has already stopped every runner it knew: these are not started here, but they are
        // stored, so the next agent runs them.
        guard !shuttingDown else {
            logger.info("job stored during shutdown; the next agent runs it", metadata: ["job": "\(job.id)"])
            return JobSubmitResponse(jobID: job.id, allocations: created.map(\.0.id), replaced: replaced,
                                     warnings: ["the agent is shutting down: the next agent starts these allocations"],
                                     jobModifyIndex: modifyIndex)
        }
        for (allocation, runner) in created {
            let pending = AllocStatus(taskStates: Dictionary(uniqueKeysWithValues: (allocation.group?.tasks ?? []).map {
                ($0.name, CorralRunner.TaskState())
            }))
            records[allocation.id] = AllocationRecord(allocation: allocation, runner: runner, status: pending,
                                                      modifyIndex: nextIndex())
            order.append(allocation.id)
            startRun(allocation.id, runner: runner, persisted: true)
        }
        logger.info("job submitted", metadata: [
            "job": "\(job.id)", "allocations": "\(created.map(\.0.shortID).joined(separator: ","))",
            "replaced": "\(replaced.count)",
        ])
        // Every group at `count = 0`: as Nomad scales a job to nothing, what ran is stopped and nothing
        // starts; the agent keeps no record of a job without allocations, and says so.
        // Affinities and spreads: accepted, and said to change nothing on one node.
        let warnings = (created.isEmpty
            ? ["every group of job \(job.id) has count = 0: nothing runs"
               + (replaced.isEmpty ? "" : " (its \(replaced.count) allocation(s) were stopped)")]
            : []) + ConstraintCheck.notes(job, node: node)
        return JobSubmitResponse(jobID: job.id, allocations: created.map(\.0.id), replaced: replaced, warnings: warnings,
                                 jobModifyIndex: modifyIndex)
    }

    /// The modify index of the job's current version; nil when no allocation of it is known.
    func jobModifyIndex(_ jobID: String) -> UInt64? {
        order.compactMap { records[$0] }.filter { $0.allocation.job.id == jobID }
            .map { $0.allocation.jobModifyIndex ?? $0.restoredJobIndex }.max()
    }

    /// The allocations of `job`'s id, when every one of them runs exactly `job` and none has been
    /// told to stop; nil otherwise (a changed or stopped job is submitted anew).
    func runningVersion(of job: Job) -> [String]? {
        let existing = order.compactMap { records[$0] }.filter { $0.allocation.job.id == job.id }
        guard !existing.isEmpty,
              existing.allSatisfy({ $0.allocation.job == job && $0.allocation.desiredStatus == .run }) else { return nil }
        return existing.map(\.allocation.id)
    }

    /// The node's totals against what allocations that still run (or want to) reserve.
    func resourceCheck(excluding excluded: Set<String> = []) -> ResourceCheck {
        var check = ResourceCheck(nodeMemoryMiB: node.attributes["memory.totalbytes"].flatMap { Int($0) }.map { $0 >> 20 },
                                  nodeCPUMHz: node.totalComputeMHz)
        for record in records.values where !excluded.contains(record.allocation.id) {
            let reserved = ResourceCheck.reservation(record.allocation, states: record.status.taskStates)
            check.reservedMemoryMiB += reserved.memoryMiB
            check.reservedCPUMHz += reserved.cpuMHz
        }
        return check
    }

    /// The node's cores and those the allocations still running hold (not the `excluded` ones).
    func coreAssignment(excluding excluded: Set<String> = []) -> CoreAssignment {
        var cores = CoreAssignment(node: node)
        for record in records.values where !excluded.contains(record.allocation.id) {
            cores.reserve(CoreAssignment.held(by: record.allocation, states: record.status.taskStates))
        }
        return cores
    }

    /// Destroys allocations: all their tasks are killed at once (each kill may wait out its
    /// `kill_timeout`), then each allocation is removed.
    func destroyAllocations(_ ids: [String], reason: String) async throws(AgentError) {
        let runners = ids.compactMap { records[$0]?.runner }
        await withTaskGroup(of: Void.self) { group in
            for runner in runners { group.addTask { await runner.kill(reason: reason) } }
        }
        // One that fails does not spare the others.
        var firstFailure: AgentError?
        for id in ids {
            do { try await destroyAllocation(id, reason: reason) } catch { firstFailure = firstFailure ?? error }
        }
        if let firstFailure { throw firstFailure }
    }

    /// Kills an allocation's tasks, waits for its runner to end, then removes its directory and
    /// stored state and forgets it.
    func destroyAllocation(_ id: String, reason: String) async throws(AgentError) {
        guard let record = records[id] else { return }
        // The intent first: a removal cut short by the agent's end is finished by the next agent.
        if record.allocation.desiredStatus != .purge {
            var purging = record.allocation
            purging.desiredStatus = .purge
            do {
                try await store.putAllocation(purging)
                records[id]?.allocation.desiredStatus = .purge
            } catch {
                logger.warning("cannot store the purge before it starts; removing all the same",
                               metadata: ["alloc_id": "\(id)", "error": "\(error)"])
            }
        }
        await record.runner.kill(reason: reason)
        await runs[id]?.value
        var leftBehind: AllocDirectoryLeft?
        do { try await record.runner.destroy() } catch let error as AllocDirectoryLeft {
            // Removed from the store all the same: forgotten here too, and said.
            leftBehind = error
        } catch {
            throw .failed("cannot remove allocation \(id): \(error)")
        }
        records[id] = nil
        order.removeAll { $0 == id }
        resumeWaiters(id, all: true)
        EmptyStateDirectories.prune(stateRoot: settings.stateRoot, allocationID: id)
        if let leftBehind {
            logger.error("allocation removed, its directory left", metadata: ["alloc_id": "\(id)", "error": "\(leftBehind)"])
            throw .failed(leftBehind.description)
        }
        logger.info("allocation removed", metadata: ["alloc_id": "\(id)", "reason": "\(reason)"])
    }

    /// Removes the terminal allocations beyond `gcMaxAllocs`, oldest terminal first (by the time
    /// they became terminal, as Nomad's client GC does, not by creation: a service that has just
    /// died keeps its exit, events and logs however many newer allocations ended before it). An
    /// allocation whose run has not ended is never collected.
    func collectGarbage() async {
        await gate.run {
            await self.collectGarbageNow()
        }
    }

    private func collectGarbageNow() async {
        let ids = garbage()
        guard !ids.isEmpty else { return }
        for id in ids {
            do { try await destroyAllocation(id, reason: "garbage collected (more than \(settings.gcMaxAllocs) terminal allocations)") } catch {
                logger.error("garbage collection failed", metadata: ["alloc_id": "\(id)", "error": "\(error)"])
            }
        }
        HeapTrimmer.trimSoon()
    }

    /// The allocations to collect: the terminal ones beyond `gcMaxAllocs`, oldest terminal first
    /// (ties in creation order).
    func garbage() -> [String] {
        let terminal = order.enumerated().compactMap { position, id -> (id: String, time: Date, position: Int)? in
            guard let record = records[id], record.runEnded, let time = record.terminalTime else { return nil }
            return (id, time, position)
        }
        guard terminal.count > settings.gcMaxAllocs else { return [] }
        let oldestFirst = terminal.sorted { ($0.time, $0.position) < ($1.time, $1.position) }
        return oldestFirst.prefix(terminal.count - settings.gcMaxAllocs).map(\.id)
    }
}
