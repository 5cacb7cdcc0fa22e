import CoreMetrics
import CorralAllocDir
import CorralDriver
import CorralExecDriver
import CorralHostFS
import CorralRunner
import CorralRunnerStore
import Dispatch
import Foundation
import Synchronization

/// One `corral run`: the job's allocations (`count` per group) run with the runner core under the
/// data directory, their events and output printed, until every task is dead; SIGINT or SIGTERM
/// kills the tasks gracefully, a second one forces. Afterwards the allocations are removed (their
/// directories, secrets tmpfs included, and stored state) unless `keep`.
final class RunSession: Sendable {
    struct Options: Sendable {
        var dataDir: String
        var stateRoot: String
        var cgroupParent: String
        var maxKillTimeout: Duration
        var keep: Bool
        /// This node's identity, which the job's `datacenters` and `region` must match.
        var datacenter = "dc1"
        var region = "global"
    }

    private let options: Options
    private let printer: EventPrinter
    private let runners = Mutex<[AllocRunner]>([])
    private let interrupts = Mutex(0)

    init(options: Options, printer: EventPrinter) {
        self.options = options
        self.printer = printer
    }

    var storePath: String { options.dataDir + "/state.db" }
    var allocRoot: String { options.dataDir + "/alloc" }

    /// The drivers a job may name, with the options of this run.
    static func drivers(stateRoot: String, cgroupParent: String) -> [String: any TaskDriver] {
        drivers(DriverOptions(stateRoot: stateRoot, cgroupParent: cgroupParent))
    }

    /// Every driver a job may name (`corral run`, `alloc-run`, the agent), over the same options.
    static func drivers(_ options: DriverOptions) -> [String: any TaskDriver] {
        ["exec": ExecDriver(options: options), "raw_exec": RawExecDriver(options: options), "mock": MockDriver()]
    }

    /// Runs the job; returns corral run's exit status: 0 when no task failed, 1 otherwise.
    func run(_ job: Job) async throws -> Int32 {
        // A job for another region, namespace or datacenter is refused before anything is made.
        let placement = NodeInfo(datacenter: options.datacenter, region: options.region)
        let misplaced = JobPlacement.problems(job, node: placement)
        guard misplaced.isEmpty else {
            throw CLIFailure(misplaced.joined(separator: "\n") + "\n(corral run's node: --datacenter and --region name it)")
        }
        // `count = 0` in every group (a job scaled to nothing): valid, and nothing to run.
        guard job.groups.contains(where: { $0.count > 0 }) else {
            printer.note("nothing to run: every group of job \(job.id) has count = 0")
            return 0
        }
        let signals = installSignalHandlers()
        defer { signals.forEach { $0.cancel() } }
        try Self.makeDataDirectory(options.dataDir)
        let store: SQLiteStateStore
        do { store = try SQLiteStateStore(path: storePath) } catch { throw CLIFailure(error.description) }
        defer { try? store.close() }
        let drivers = Self.drivers(stateRoot: options.stateRoot, cgroupParent: options.cgroupParent)
        let fingerprint = await (drivers["exec"] ?? MockDriver()).fingerprint()
        let host = ProcessInfo.processInfo.hostName
        var attributes = fingerprint.attributes
        for name in drivers.keys { attributes["driver.\(name)"] = "1" }
        let node = NodeInfo(id: host, name: host, datacenter: options.datacenter, region: options.region,
                            attributes: attributes)
        let unmet = ConstraintCheck.problems(job, node: node)
        guard unmet.isEmpty else { throw CLIFailure(unmet.joined(separator: "\n")) }
        for note in ConstraintCheck.notes(job, node: node) { printer.note(note) }
        var cores = try await checkResources(job, node: node, store: store)

        let config = RunnerConfig(allocRoot: allocRoot, maxKillTimeout: options.maxKillTimeout, node: node)
        var allocations: [Allocation] = []
        for group in job.groups {
            for index in 0..<group.count {
                guard let taskCores = cores.assign(group) else { throw CLIFailure("not enough free cores for group \"\(group.name)\"") }
                allocations.append(Allocation(id: UUID().uuidString.lowercased(), job: job, groupName: group.name, index: index,
                                              taskCores: taskCores))
            }
        }
        var allocRunners: [AllocRunner] = []
        do {
            for allocation in allocations {
                allocRunners.append(try AllocRunner(allocation: allocation, drivers: drivers, store: store, config: config,
                                                    taskDirBuilder: HostTaskDirBuilder(),
                                                    metricsFactory: NOOPMetricsHandler.instance))
            }
        } catch {
            throw CLIFailure(error.description)
        }
        runners.withLock { $0 = allocRunners }
        // A Ctrl-C that came while the job was being prepared applies now.
        let early = interrupts.withLock { $0 }
        if early > 0 {
            let reason = "corral run was interrupted"
            for runner in allocRunners { Task { early > 1 ? await runner.forceKill(reason: reason) : await runner.kill(reason: reason) } }
        }

        let printer = self.printer
        // Per allocation, per task: the followers of its stdout and stderr.
        let followersByAlloc: [[String: [LogFollower]]] = allocations.map { allocation in
            Dictionary(uniqueKeysWithValues: (allocation.group?.tasks ?? []).map { task in
                (task.name, LogStream.allCases.map { stream in
                    LogFollower(allocDir: allocRoot + "/" + allocation.id,
                                relativePath: "alloc/logs/\(task.name).\(stream.rawValue)") { line in
                        printer.output(line, allocation: allocation, task: task.name, stream: stream)
                    }
                })
            })
        }
        let followers = followersByAlloc.flatMap { $0.values.flatMap { $0 } }
        followers.forEach { $0.start() }

        var failure: (any Error)?
        await withTaskGroup(of: (any Error)?.self) { group in
            for ((runner, allocation), taskFollowers) in zip(zip(allocRunners, allocations), followersByAlloc) {
                group.addTask {
                    await Self.printEvents(of: runner, allocation: allocation, printer: printer, followers: taskFollowers)
                }
                group.addTask {
                    do { try await runner.run() } catch { return error }
                    return nil
                }
            }
            for await error in group { if let error, failure == nil { failure = error } }
        }
        for follower in followers { await follower.finish() }

        var failed = false
        for runner in allocRunners where await runner.status.clientStatus == .failed { failed = true }
        if !options.keep {
            for runner in allocRunners {
                do { try await runner.destroy() } catch { printer.note("cannot remove allocation \(runner.allocID): \(error)") }
            }
        } else {
            printer.note("kept the allocations under \(allocRoot) and their state in \(storePath)")
        }
        if let failure { throw CLIFailure("\(failure)") }
        return failed ? 1 : 0
    }

    /// Prints every new event of every task as the allocation announces them.
    /// A task's output is read up to its exit before the exit is printed.
    private static func printEvents(of runner: AllocRunner, allocation: Allocation, printer: EventPrinter,
                                    followers: [String: [LogFollower]]) async -> (any Error)? {
        var printed: [String: TaskEvent] = [:]
        for await update in runner.updates {
            let events = update.state.events
            var start = events.startIndex
            if let last = printed[update.task], let index = events.lastIndex(of: last) { start = index + 1 }
            for event in events[start...] {
                if event.type == .terminated { followers[update.task]?.forEach { $0.drain() } }
                printer.event(event, allocation: allocation, task: update.task)
            }
            if let newest = events.last { printed[update.task] = newest }
        }
        return nil
    }

    /// Refuses a job that does not fit the node, counting what running allocations of this data
    /// directory reserve.
    /// Refuses a job that does not fit beside what still runs from this data directory; returns the
    /// cores left for it to take.
    private func checkResources(_ job: Job, node: NodeInfo, store: SQLiteStateStore) async throws -> CoreAssignment {
        var check = ResourceCheck(nodeMemoryMiB: node.attributes["memory.totalbytes"].flatMap { Int($0) }.map { $0 >> 20 },
                                  nodeCPUMHz: node.totalComputeMHz)
        var cores = CoreAssignment(node: node)
        do {
            for allocation in try await store.allocations() {
                var states: [String: CorralRunner.TaskState] = [:]
                for task in allocation.group?.tasks ?? [] {
                    states[task.name] = try await store.taskState(allocID: allocation.id, task: task.name)
                }
                let reserved = ResourceCheck.reservation(allocation, states: states)
                check.reservedMemoryMiB += reserved.memoryMiB
                check.reservedCPUMHz += reserved.cpuMHz
                cores.reserve(CoreAssignment.held(by: allocation, states: states))
            }
        } catch {
            throw CLIFailure(error.description)
        }
        if let problem = check.problem(for: job) { throw CLIFailure(problem) }
        if let problem = cores.problem(for: job) { throw CLIFailure(problem) }
        return cores
    }

    /// SIGINT/SIGTERM: the first kills every task gracefully, the second forces.
    private func installSignalHandlers() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in interrupted(by: number) }
            source.resume()
            return source
        }
    }

    private func interrupted(by number: Int32) {
        let count = interrupts.withLock { $0 += 1; return $0 }
        let allocRunners = runners.withLock { $0 }
        let name = number == SIGINT ? "SIGINT" : "SIGTERM"
        if count == 1 {
            printer.note("\(name): stopping every task (kill_signal, then kill_timeout); again to force")
            Task { for runner in allocRunners { Task { await runner.kill(reason: "corral run was interrupted") } } }
        } else {
            printer.note("\(name) again: killing every task now")
            Task { for runner in allocRunners { Task { await runner.forceKill(reason: "corral run was interrupted twice") } } }
        }
    }

    static func makeDataDirectory(_ path: String) throws {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o711) != 0, errno != EEXIST {
                throw CLIFailure("cannot create the data directory \(current): \(String(cString: strerror(errno)))")
            }
        }
    }
}


