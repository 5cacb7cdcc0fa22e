import ArgumentParser
import CoreMetrics
import CorralAllocDir
import CorralDriver
import CorralExecDriver
import CorralRunner
import CorralRunnerStore
import Foundation
import Synchronization

/// `corral alloc-run`: runs one allocation (JSON on stdin) through the runner with the SQLite state
/// store, printing each task state change as a JSON line and the allocation's status at the end; or,
/// with `--restore ID`, picks up a stored allocation whose runtime went away. For operators
/// debugging the runner and for the crash-recovery tests (which SIGKILL this process mid-run).
/// Hidden: `corral run` and `corral agent` are the real interface.
struct AllocRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alloc-run",
        abstract: "Run an allocation (JSON on stdin) through the task runner, or restore a stored one.",
        shouldDisplay: false)

    @Option(help: ArgumentHelp("The runner's SQLite state database.", valueName: "file"))
    var stateDB: String = "/var/lib/corral/state.db"

    @Option(help: ArgumentHelp("Where allocation directories go.", valueName: "dir"))
    var allocRoot: String = "/var/lib/corral/alloc"

    @Option(help: ArgumentHelp("Where the drivers keep task state.", valueName: "dir"))
    var stateRoot: String = "/run/corral/tasks"

    @Option(name: .customLong("cgroup-parent"), help: ArgumentHelp("The cgroup task cgroups go under.", valueName: "path"))
    var cgroupParent: String = "corral"

    @Option(help: ArgumentHelp("Restore this stored allocation instead of reading one from stdin.", valueName: "id"))
    var restore: String?

    @Option(help: ArgumentHelp("Longest kill timeout any task gets.", valueName: "duration"))
    var maxKillTimeout: String = "30s"

    @Flag(help: "Keep the allocation directory (its secrets tmpfs mounted) and its stored state at the end.")
    var keep = false

    @Option(help: ArgumentHelp("Crash-recovery tests: SIGKILL this process right after a task state whose newest event has this type is written.",
                               valueName: "type", visibility: .hidden))
    var crashAfterEvent: String?

    @Option(help: ArgumentHelp("Crash-recovery tests: SIGKILL this process at this point of the driver's start (before-launch, at-barrier, after-record, after-release).",
                               valueName: "point", visibility: .hidden))
    var crashInStart: String?

    @Option(help: ArgumentHelp("Kill a stored allocation's tasks and remove its directory and state.", valueName: "id"))
    var destroy: String?

    func run() throws {
        guard let killCap = DurationParser.parse(maxKillTimeout) else {
            throw ValidationError("--max-kill-timeout \"\(maxKillTimeout)\": not a duration (e.g. 30s)")
        }
        let store: SQLiteStateStore
        do { store = try SQLiteStateStore(path: stateDB) } catch { throw CLIFailure(error.description) }
        let stored = restore ?? destroy
        let allocation: Allocation
        if let id = stored {
            let found = try Self.blocking { () async throws(StateStoreError) -> [Allocation] in try await store.allocations() }
            guard let match = found.first(where: { $0.id == id }) else {
                throw CLIFailure("no allocation \(id) in \(stateDB)")
            }
            allocation = match
        } else {
            do {
                allocation = try JSONDecoder().decode(Allocation.self, from: FileHandle.standardInput.readDataToEndOfFile())
            } catch {
                throw ValidationError("stdin is not an allocation in JSON: \(error)")
            }
        }
        var options = DriverOptions(stateRoot: stateRoot, cgroupParent: cgroupParent)
        if let crashInStart {
            guard let point = StartCrashPoint(rawValue: crashInStart) else {
                throw ValidationError("--crash-in-start \"\(crashInStart)\": one of "
                                      + StartCrashPoint.allCases.map(\.rawValue).joined(separator: ", "))
            }
            options.crashPoint = point
        }
        let drivers = RunSession.drivers(options)
        let exec = drivers["exec"]!
        let root = allocRoot
        let (keep, destroying) = (self.keep, destroy != nil)
        let runnerStore: any StateStore = crashAfterEvent.map { CrashAfterEventStore(base: store, eventType: $0) } ?? store
        // Ctrl-C (or SIGTERM) as in `corral run`: the first kills every task gracefully, the second
        // forces; the run then ends as usual (the allocation removed unless --keep). Without this the
        // default action killed alloc-run and left its tasks running unwatched.
        let interrupts = AllocInterrupts()
        let sources = destroying ? [] : interrupts.install()
        defer { sources.forEach { $0.cancel() } }
        let outcome = try Self.blocking { () async throws -> AllocStatus in
            let fingerprint = await exec.fingerprint()
            let node = NodeInfo(id: ProcessInfo.processInfo.hostName, name: ProcessInfo.processInfo.hostName,
                                attributes: fingerprint.attributes)
            let config = RunnerConfig(allocRoot: root, maxKillTimeout: killCap, node: node)
            let runner = try AllocRunner(allocation: allocation, drivers: drivers, store: runnerStore, config: config,
                                         taskDirBuilder: HostTaskDirBuilder(), metricsFactory: NOOPMetricsHandler.instance)
            let printer = Task {
                var printed: [String: TaskEvent] = [:]
                for await update in runner.updates {
                    // An event is printed once, with the first state change that carries it.
                    let last = update.state.events.last
                    let event = last == printed[update.task] ? nil : last
                    printed[update.task] = last
                    Self.printJSON(StateLine(task: update.task, state: update.state.state.rawValue,
                                             failed: update.state.failed, event: event))
                }
            }
            if stored != nil { try await runner.restore() }
            // Only now: a kill before the restore would mark the tasks dead without reaching them.
            interrupts.watch(runner)
            if destroying {
                try await runner.destroy()
                return await runner.status
            }
            try await runner.run()
            await printer.value
            let status = await runner.status
            // The allocation is over: its directory (secrets tmpfs included) and stored state go.
            if !keep, status.taskStates.values.allSatisfy({ $0.state == .dead }) { try await runner.destroy() }
            return status
        }
        Self.printJSON(outcome)
        if outcome.clientStatus == .failed, destroy == nil { throw ExitCode(1) }
    }

    /// One line per persisted task state change.
    struct StateLine: Encodable {
        var task: String
        var state: String
        var failed: Bool
        var event: TaskEvent?
    }

    /// Runs async work from this synchronous command, blocking the main thread until it is done.
    static func blocking<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) throws -> Value {
        let result = OneShot<Result<Value, any Error>>()
        Task {
            do { result.resolve(.success(try await work())) } catch { result.resolve(.failure(error)) }
        }
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = await result.value()
            done.signal()
        }
        done.wait()
        switch result.current! {
        case .success(let value): return value
        case .failure(let error as StateStoreError): throw CLIFailure(error.description)
        case .failure(let error as TaskRunnerError): throw CLIFailure(error.description)
        case .failure(let error): throw error
        }
    }

    static func printJSON(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// `alloc-run`'s SIGINT and SIGTERM: the first kills the allocation's tasks gracefully, the second
/// forces. A signal that comes before the runner exists is applied when it is watched.
final class AllocInterrupts: Sendable {
    private let state = Mutex<(runner: AllocRunner?, count: Int)>((nil, 0))

    func install() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in interrupted(by: number) }
            source.resume()
            return source
        }
    }

    func watch(_ runner: AllocRunner) {
        let count = state.withLock { $0.runner = runner; return $0.count }
        if count > 0 { Self.stop(runner, force: count > 1) }
    }

    private func interrupted(by number: Int32) {
        let (runner, count) = state.withLock { $0.count += 1; return ($0.runner, $0.count) }
        let name = number == SIGINT ? "SIGINT" : "SIGTERM"
        FileHandle.standardError.write(Data("corral: \(name): \(count == 1 ? "stopping every task (kill_signal, then kill_timeout); again to force" : "killing every task now")\n".utf8))
        if let runner { Self.stop(runner, force: count > 1) }
    }

    private static func stop(_ runner: AllocRunner, force: Bool) {
        Task {
            if force { await runner.forceKill(reason: "alloc-run was interrupted twice") } else {
                await runner.kill(reason: "alloc-run was interrupted")
            }
        }
    }
}
