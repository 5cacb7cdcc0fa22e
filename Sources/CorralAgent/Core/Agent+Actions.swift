import CorralAPI
import CorralDriver
import CorralRunner
import Foundation

extension Agent {
    // MARK: Stop

    /// Stops a job: every allocation's desired status becomes `stop` (persisted before this
    /// returns) and its tasks are killed in the background. With `purge`, waits for them to die and
    /// removes the allocations with their directories and state.
    package func stopJob(_ id: String, purge: Bool) async throws(AgentError) -> JobStopResponse {
        let ids = order.filter { records[$0]?.allocation.job.id == id }
        guard !ids.isEmpty else { throw .notFound(what: "job", id: id) }
        if purge {
            try await gate.run { () async throws(AgentError) in
                try await self.destroyAllocations(ids, reason: "job \(id) was purged")
            }
            HeapTrimmer.trimSoon()
        } else {
            for alloc in ids { try await markStopped(alloc) }
        }
        return JobStopResponse(jobID: id, allocations: ids, purged: purge)
    }

    /// Stops one allocation (its desired status becomes `stop`; its tasks are killed).
    package func stopAllocation(_ id: String) async throws(AgentError) -> AllocActionResponse {
        let record = try record(id)
        try await markStopped(record.allocation.id)
        let live = record.status.taskStates.filter { $0.value.state != .dead }.keys.sorted()
        return AllocActionResponse(allocID: record.allocation.id, tasks: live)
    }

    func markStopped(_ id: String) async throws(AgentError) {
        guard var allocation = records[id]?.allocation, allocation.desiredStatus == .run,
              let runner = records[id]?.runner else { return }
        allocation.desiredStatus = .stop
        do { try await store.putAllocation(allocation) } catch { throw .failed(error.description) }
        // Changed in place after the write: updates that came in during it stay (a copy taken
        // before the await and written back would undo them).
        guard records[id] != nil else { return }
        records[id]!.allocation.desiredStatus = .stop
        records[id]!.modifyIndex = nextIndex()
        resumeWaiters(id)
        logger.info("allocation stopping", metadata: ["alloc_id": "\(id)"])
        // AllocRunner.update persists the allocation again and kills its tasks; should that write
        // fail, the tasks are killed all the same.
        Task {
            do { try await runner.update(allocation) } catch { await runner.kill(reason: "allocation stopped") }
        }
    }

    // MARK: Task actions

    /// The task `name` names, or with nil every task (`all`) or the only one.
    func taskRunners(_ record: AllocationRecord, _ name: String?, all: Bool) async throws(AgentError) -> [TaskRunner] {
        let names = record.allocation.group?.tasks.map(\.name) ?? []
        if let name {
            guard let runner = await record.runner.runner(for: name) else {
                throw .notFound(what: "task", id: "\(name)\" in allocation \"\(record.allocation.id)")
            }
            return [runner]
        }
        if !all, names.count > 1 {
            throw .badRequest("allocation \(record.allocation.shortID) has \(names.count) tasks (\(names.joined(separator: ", "))): name one")
        }
        var runners: [TaskRunner] = []
        for name in names { if let runner = await record.runner.runner(for: name) { runners.append(runner) } }
        return runners
    }

    /// Restarts a running task (or every running task) in place; not counted by the restart policy.
    package func restart(alloc: String, task: String?) async throws(AgentError) -> AllocActionResponse {
        let record = try record(alloc)
        var runners = try await taskRunners(record, task, all: true)
        if task == nil { runners = runners.filter { record.status.taskStates[$0.taskName]?.state == .running } }
        guard !runners.isEmpty else { throw .conflict("allocation \(record.allocation.shortID) has no running task") }
        for runner in runners {
            do { try await runner.restart(reason: "restart requested through the API") } catch { throw Self.map(error) }
        }
        return AllocActionResponse(allocID: record.allocation.id, tasks: runners.map(\.taskName))
    }

    /// Sends a signal (default SIGKILL, as Nomad's) to a task.
    package func signal(alloc: String, task: String?, signal: String?) async throws(AgentError) -> AllocActionResponse {
        let record = try record(alloc)
        let runners = try await taskRunners(record, task, all: false)
        let name = signal ?? "SIGKILL"
        guard SignalName.number(name) != nil else { throw .badRequest("unknown signal \"\(name)\" (use a name such as SIGUSR1 or a number)") }
        for runner in runners {
            do { try await runner.signal(name, reason: "signal requested through the API") } catch { throw Self.map(error) }
        }
        return AllocActionResponse(allocID: record.allocation.id, tasks: runners.map(\.taskName))
    }

    /// The newest resource usage of each running task.
    package func stats(alloc: String) async throws(AgentError) -> AllocStatsResponse {
        let detail = await detail(try record(alloc))
        let memory = detail.resourceUsage.values.reduce(UInt64(0)) { $0 + $1.memory.rss }
        let cpu = detail.resourceUsage.values.reduce(0.0) { $0 + $1.cpu.percent }
        return AllocStatsResponse(allocID: detail.stub.id, tasks: detail.resourceUsage, memoryRSSBytes: memory, cpuPercent: cpu)
    }

    /// Runs a command inside a running task with streams (`exec`).
    package func exec(alloc: String, task: String?, command: [String], options: ExecOptions) async throws(AgentError) -> ExecSession {
        guard !command.isEmpty, !command[0].isEmpty else { throw .badRequest("command: give the command to run as a JSON array, e.g. [\"/bin/sh\"]") }
        let record = try record(alloc)
        guard let runner = try await taskRunners(record, task, all: false).first else {
            throw .notFound(what: "task", id: task ?? "")
        }
        do { return try await runner.execStreaming(command, options: options) } catch { throw Self.map(error) }
    }

    /// Where a task's log is, and a way to learn whether the task can still write to it.
    package func logSource(alloc: String, task: String?, type: String) async throws(AgentError) -> TaskLogSource {
        guard type == "stdout" || type == "stderr" else { throw .badRequest("type \"\(type)\": stdout or stderr") }
        let record = try record(alloc)
        guard let runner = try await taskRunners(record, task, all: false).first else {
            throw .notFound(what: "task", id: task ?? "")
        }
        let id = record.allocation.id, name = runner.taskName
        return TaskLogSource(allocDir: settings.allocRoot + "/" + id, logDirectory: "alloc/logs", fileName: "\(name).\(type)",
                             writer: { [weak self] in
            guard let self else { return .agentStopping }
            return await self.logWriterState(id, name)
        })
    }

    func logWriterState(_ id: String, _ task: String) -> TaskLogSource.WriterState {
        guard let record = records[id] else { return .finished }
        if record.status.taskStates[task]?.state == .dead { return .finished }
        return shuttingDown ? .agentStopping : .writing
    }

    /// Checks that `task` (or the only task) of `alloc` exists and runs, as an exec needs.
    package func checkExecTarget(alloc: String, task: String?) async throws(AgentError) {
        let record = try record(alloc)
        guard let runner = try await taskRunners(record, task, all: false).first else {
            throw .notFound(what: "task", id: task ?? "")
        }
        guard record.status.taskStates[runner.taskName]?.state == .running else {
            throw .conflict("task \"\(runner.taskName)\" is not running")
        }
    }

    static func map(_ error: TaskRunnerError) -> AgentError {
        switch error {
        case .notRunning: .conflict(error.description)
        case .invalidSignal: .badRequest(error.description)
        case .unknownTask(let alloc, let task): .notFound(what: "task", id: "\(task)\" in allocation \"\(alloc)")
        case .unknownDriver: .badRequest(error.description)
        case .driver(let driverError):
            switch driverError {
            case .taskNotFound, .taskNotRunning: .conflict(error.description)
            default: .failed(error.description)
            }
        }
    }
}

/// A task's log file and whether the task may still write to it.
package struct TaskLogSource: Sendable {
    /// The allocation directory: corral's own, trusted. Everything beneath it is the task's to
    /// write, and is resolved without following links.
    package let allocDir: String
    /// The log directory, relative to `allocDir` (`alloc/logs`).
    package let logDirectory: String
    /// The live file's name (`<task>.<stream>`); rotated files are `<name>.1` (newest) to `<name>.N`.
    package let fileName: String
    package let writer: @Sendable () async -> WriterState

    package init(allocDir: String, logDirectory: String, fileName: String, writer: @escaping @Sendable () async -> WriterState) {
        self.allocDir = allocDir
        self.logDirectory = logDirectory
        self.fileName = fileName
        self.writer = writer
    }

    /// The log at `path`, its directory trusted (for tests and callers that own the directory).
    package init(path: String, writer: @escaping @Sendable () async -> WriterState) {
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        self.init(allocDir: slash == path.startIndex ? "/" : String(path[..<slash]), logDirectory: ".",
                  fileName: String(path[path.index(after: slash)...]), writer: writer)
    }

    /// The live file's path, for messages.
    package var path: String { allocDir + "/" + logDirectory + "/" + fileName }

    package enum WriterState: Sendable {
        /// The task runs: more may come.
        case writing
        /// The task is dead: what is in the files is all there is.
        case finished
        /// The agent is shutting down while the task runs on: a follower must not take this for
        /// the log's end.
        case agentStopping
    }
}
