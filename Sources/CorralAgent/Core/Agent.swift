import CoreMetrics
import CorralDriver
import CorralRunner
import Foundation
import Logging

/// The agent's core: the allocations of submitted jobs, each run by an `AllocRunner` over the
/// shared state store, with what the API reads (jobs, allocations, events, usage) and does
/// (submit, stop, restart, signal, exec). `start` restores every stored allocation, reattaching
/// tasks that kept running while no agent was there; `shutdown` leaves every task running with its
/// state persisted for the next agent.
package actor Agent {
    package nonisolated let settings: AgentSettings
    package nonisolated let node: NodeInfo
    let drivers: [String: any TaskDriver]
    let fingerprints: [String: Fingerprint]
    let store: any StateStore
    let taskDirBuilder: any TaskDirBuilder
    let metricsFactory: any MetricsFactory
    let clock: any RunnerClock
    let logger: Logger
    let started = ContinuousClock.now

    var records: [String: AllocationRecord] = [:]
    /// Allocation ids, oldest first.
    var order: [String] = []
    /// Starts at the agent's start time in milliseconds and grows by one per change, so an index a
    /// client got from an earlier agent is (in practice) below every index of this one.
    var index: UInt64
    var waiters: [String: [AllocationWaiter]] = [:]
    var nextWaiterID: UInt64 = 0
    var runs: [String: Task<Void, Never>] = [:]
    /// Stored allocations this agent could not restore (their driver is gone, say), with why. Their
    /// tasks may still run: their jobs cannot be submitted again until they are dealt with.
    var unrestored: [String: (allocation: Allocation, reason: String)] = [:]
    var shuttingDown = false
    /// Exec sessions under way, ended by a shutdown.
    var execSessions: [UInt64: ExecSession] = [:]
    var nextExecID: UInt64 = 0
    /// Serialises changes to the set of allocations (see `AsyncSerialGate`).
    let gate = AsyncSerialGate()

    package init(settings: AgentSettings, node: NodeInfo, drivers: [String: any TaskDriver],
                fingerprints: [String: Fingerprint], store: any StateStore, taskDirBuilder: any TaskDirBuilder,
                metricsFactory: any MetricsFactory, logger: Logger, clock: any RunnerClock = SystemClock()) {
        self.settings = settings
        self.node = node
        self.drivers = drivers
        self.fingerprints = fingerprints
        self.store = store
        self.taskDirBuilder = taskDirBuilder
        self.metricsFactory = metricsFactory
        self.clock = clock
        self.logger = logger
        self.index = UInt64(max(Date().timeIntervalSince1970 * 1000, 1))
    }

    var runnerConfig: RunnerConfig {
        RunnerConfig(allocRoot: settings.allocRoot, maxKillTimeout: settings.maxKillTimeout, node: node)
    }

    func makeRunner(_ allocation: Allocation) throws(TaskRunnerError) -> AllocRunner {
        let delay = settings.testPrestartDelay
        return try AllocRunner(allocation: allocation, drivers: drivers, store: store, clock: clock, config: runnerConfig,
                               taskDirBuilder: taskDirBuilder, metricsFactory: metricsFactory,
                               extraHooks: { _ in delay.map { [PrestartDelayHook(delay: $0)] } ?? [] })
    }

    // MARK: Start and shutdown

    /// Restores every stored allocation and carries on running it: tasks still running are
    /// reattached, tasks that exited meanwhile report their real exit, and restart policies pick up
    /// where they were. An allocation that cannot be restored (its driver is gone, say) is logged
    /// and left in the store untouched.
    package func start() async throws(AgentError) {
        let stored: [Allocation]
        do { stored = try await store.allocations() } catch { throw .failed(error.description) }
        for allocation in stored {
            let runner: AllocRunner
            do { runner = try makeRunner(allocation) } catch {
                notRestored(allocation, reason: error.description)
                continue
            }
            do { try await runner.restore() } catch {
                notRestored(allocation, reason: error.description)
                continue
            }
            let status = await runner.status
            var record = AllocationRecord(allocation: allocation, runner: runner, status: status, modifyIndex: nextIndex())
            record.restoredJobIndex = record.modifyIndex
            for (task, state) in status.taskStates { record.loggedEvents[task] = state.events.last }
            records[allocation.id] = record
            order.append(allocation.id)
            logger.info("restored allocation", metadata: [
                "alloc_id": "\(allocation.id)", "job": "\(allocation.job.id)", "client_status": "\(status.clientStatus.rawValue)",
            ])
            startRun(allocation.id, runner: runner, persisted: false)
            if allocation.desiredStatus == .stop, !record.isTerminal {
                Task { await runner.kill(reason: "allocation stopped") }
            }
        }
        // Purges an earlier agent did not finish: finished now, in the background, as a purge would be.
        let cutShort = stored.filter { $0.desiredStatus == .purge && records[$0.id] != nil }.map(\.id)
        if !cutShort.isEmpty {
            Task {
                do {
                    try await self.gate.run { () async throws(AgentError) in
                        try await self.destroyAllocations(cutShort, reason: "its purge was cut short by the agent's end")
                    }
                } catch {
                    self.logger.error("cannot finish the purge an earlier agent started; purge the job again",
                                      metadata: ["allocations": "\(cutShort.joined(separator: ","))", "error": "\(error)"])
                }
            }
        }
    }

    /// Every allocation this agent knows, restored or not.
    package func knownAllocationIDs() -> Set<String> {
        Set(records.keys).union(unrestored.keys)
    }

    func notRestored(_ allocation: Allocation, reason: String) {
        unrestored[allocation.id] = (allocation, reason)
        logger.error("cannot restore allocation; its job cannot be submitted again until it is removed (corral alloc-run --destroy ID)",
                     metadata: ["alloc_id": "\(allocation.id)", "job": "\(allocation.job.id)", "error": "\(reason)"])
    }

    /// Stops every allocation runner and leaves the tasks running, their state persisted; returns
    /// once every runner has stopped. Blocking queries are answered at once.
    package func shutdown() async {
        shuttingDown = true
        for session in execSessions.values { session.terminate() }
        let runners = records.values.map(\.runner)
        await withTaskGroup(of: Void.self) { group in
            for runner in runners { group.addTask { await runner.shutdown() } }
        }
        for run in runs.values { await run.value }
        for id in Array(waiters.keys) { resumeWaiters(id, all: true) }
        logger.info("agent stopped; tasks left running", metadata: ["allocations": "\(records.count)"])
    }

    /// Tracks an exec session so that a shutdown can end it.
    func register(_ session: ExecSession) -> UInt64 {
        nextExecID += 1
        if shuttingDown { session.terminate() }
        execSessions[nextExecID] = session
        return nextExecID
    }

    func unregister(_ id: UInt64) { execSessions[id] = nil }

    // MARK: Running allocations

    /// Runs an allocation in the background, feeding its updates into the record.
    func startRun(_ id: String, runner: AllocRunner, persisted: Bool) {
        let updates = Task { [weak self] in
            for await update in runner.updates { await self?.allocationUpdated(id, update) }
        }
        runs[id] = Task { [weak self] in
            do { try await runner.run(persisted: persisted) } catch {
                self?.logger.error("allocation runner failed", metadata: ["alloc_id": "\(id)", "error": "\(error)"])
            }
            await updates.value
            await self?.runEnded(id)
        }
    }

    func allocationUpdated(_ id: String, _ update: AllocUpdate) {
        guard var record = records[id] else { return }
        record.status = update.status
        record.modifyIndex = nextIndex()
        if record.isTerminal, record.observedTerminal == nil { record.observedTerminal = clock.now() }
        let events = update.state.events
        var start = events.startIndex
        if let last = record.loggedEvents[update.task], let position = events.lastIndex(of: last) { start = position + 1 }
        for event in events[start...] {
            logger.info("\(event.type.rawValue): \(event.message)", metadata: [
                "alloc_id": "\(id)", "job": "\(record.allocation.job.id)", "task": "\(update.task)",
            ])
        }
        record.loggedEvents[update.task] = events.last
        records[id] = record
        resumeWaiters(id)
    }

    func runEnded(_ id: String) async {
        runs[id] = nil
        guard let runner = records[id]?.runner else { return }
        let status = await runner.status
        // In place, after the await (see markStopped).
        guard records[id] != nil else { return }
        records[id]!.runEnded = true
        records[id]!.status = status
        records[id]!.modifyIndex = nextIndex()
        if records[id]!.isTerminal, records[id]!.observedTerminal == nil { records[id]!.observedTerminal = clock.now() }
        resumeWaiters(id)
        if !shuttingDown, records[id]!.isTerminal { Task { await self.collectGarbage() } }
    }

    func nextIndex() -> UInt64 {
        index += 1
        return index
    }
}
