import CoreMetrics
import CorralAgent
import CorralAllocDir
import CorralDriver
import CorralExecDriver
import CorralRunner
import CorralRunnerStore
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// The composition root of `corral agent`: one agent per data directory (a lock file), its state
/// store, drivers, node identity, metrics and logging, the API listeners, and the service group
/// that runs them until SIGTERM or SIGINT.
struct AgentRuntime {
    let settings: AgentSettings
    /// `--recover-from-backup`: replace a damaged state database with `state.db.bak` first.
    var recoverFromBackup = false

    static func logLevel(_ name: String) -> Logger.Level? {
        name == "warn" ? .warning : Logger.Level(rawValue: name.lowercased())
    }

    func run() async throws {
        // Taken before anything is started, so that no task inherits the manager's socket.
        let notify = SystemdNotify.takeFromEnvironment()
        let level = Self.logLevel(settings.logLevel) ?? .info
        let json = settings.logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "corral.agent")
        let registry = PrometheusCollectorRegistry()
        let metrics = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(metrics)

        try RunSession.makeDataDirectory(settings.dataDir)
        let lock = try DataDirectoryLock(directory: settings.dataDir)
        defer { lock.release() }
        if recoverFromBackup {
            do {
                let aside = try SQLiteStateStore.recoverFromBackup(database: settings.storePath)
                logger.notice("state database restored from its backup", metadata: [
                    "path": "\(settings.storePath)", "damaged_file_kept_as": "\(aside ?? "none")",
                ])
            } catch {
                throw CLIFailure("cannot recover from the backup: \(error.description)")
            }
        }
        let store: SQLiteStateStore
        do { store = try SQLiteStateStore(path: settings.storePath) } catch {
            throw CLIFailure(Self.refusal(error, path: settings.storePath))
        }
        defer { try? store.close() }

        var options = DriverOptions(stateRoot: settings.stateRoot, cgroupParent: settings.cgroupParent)
        if let chrootEnv = settings.chrootEnv { options.chrootEnv = chrootEnv }
        options.policy = settings.driverPolicy
        let drivers = RunSession.drivers(options)
        var fingerprints: [String: Fingerprint] = [:]
        for (name, driver) in drivers { fingerprints[name] = await driver.fingerprint() }
        let host = ProcessInfo.processInfo.hostName
        let node = NodeInfo(id: try NodeIdentity.load(dataDir: settings.dataDir), name: settings.nodeName.isEmpty ? host : settings.nodeName,
                            datacenter: settings.datacenter, region: settings.region,
                            attributes: (fingerprints["exec"]?.attributes ?? [:]).merging(
                                fingerprints.filter { $0.value.health == .healthy }.map { ("driver.\($0.key)", "1") }) { $1 },
                            meta: settings.nodeMeta)

        let agent = Agent(settings: settings, node: node, drivers: drivers, fingerprints: fingerprints,
                          store: MonitoredStateStore(base: store, logger: logger),
                          taskDirBuilder: HostTaskDirBuilder(), metricsFactory: metrics, logger: logger)
        logger.info("agent starting", metadata: ["data_dir": "\(settings.dataDir)", "node": "\(node.name)",
                                                 "version": "\(Corral.configuration.version)"])
        do { try await agent.start() } catch { throw CLIFailure(error.description) }
        await Self.warnAboutUnknownTasks(agent: agent, stateRoot: settings.stateRoot, logger: logger)
        // A verified copy as of this start: the database passed every check and its allocations were restored.
        await Self.backUp(store, logger: logger)
        let server = AgentServer(agent: agent, environment: .init(version: Corral.configuration.version, registry: registry,
                                                                   logger: logger))
        let listeners: [any Service]
        let ready = ReadinessReport(expected: settings.tcpAddress == nil ? 1 : 2, notify: notify)
        do { listeners = try server.services(onListening: ready.listening) } catch {
            await agent.shutdown()
            throw CLIFailure(error.description)
        }
        defer { unlink(settings.socketPath) }
        var configuration = ServiceGroupConfiguration(services: listeners.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                                                          + [.init(service: AgentService(agent: agent))],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Exec sessions and followed logs end with their tasks; a shutdown does not wait for them forever.
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            await agent.shutdown()
            throw CLIFailure("the agent failed: \(error)")
        }
        await Self.backUp(store, logger: logger)
    }

    /// Why the state database was refused, with what the operator can do about it.
    static func refusal(_ error: any Error, path: String) -> String {
        guard let error = error as? StateStoreError, case .corrupt = error else { return "\(error)" }
        return """
            \(error.description)
            The file was left exactly as it was. To recover:
              corral agent --recover-from-backup ...   restores \(SQLiteStateStore.backupPath(database: path)) (written at each \
            start and clean shutdown); the damaged file is kept as \(path).damaged-<time>. Allocations made since the \
            backup are not in it: their tasks may still run (the agent lists them at start).
              or move \(path) and \(path).created aside to start with an empty state (running tasks are not recovered).
            """
    }

    /// Writes `state.db.bak`; a failure is logged, not fatal (the previous backup stays).
    static func backUp(_ store: SQLiteStateStore, logger: Logger) async {
        do {
            let path = try await store.writeBackup()
            logger.debug("state database backed up", metadata: ["path": "\(path)"])
        } catch {
            logger.error("cannot back up the state database; the previous backup is kept", metadata: ["error": "\(error)"])
        }
    }

    /// Logs the allocations that have task state directories but are unknown to the agent: after
    /// a recovery from an older backup, their tasks may still run untracked.
    static func warnAboutUnknownTasks(agent: Agent, stateRoot: String, logger: Logger) async {
        let known = await agent.knownAllocationIDs()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: stateRoot) else { return }
        // What an agent killed inside a start or a removal left: empty directories, nothing to warn about.
        for entry in entries where !known.contains(entry) { EmptyStateDirectories.prune(stateRoot: stateRoot, allocationID: entry) }
        let unknown = entries.filter { !known.contains($0) && access(stateRoot + "/" + $0, F_OK) == 0 }.sorted()
        guard !unknown.isEmpty else { return }
        logger.warning("task state directories of allocations this agent does not know: their tasks may still run",
                       metadata: ["state_root": "\(stateRoot)", "allocations": "\(unknown.prefix(50).joined(separator: ","))",
                                  "count": "\(unknown.count)"])
    }
}

/// One agent per data directory: an exclusive POSIX record lock (`fcntl F_SETLK`) on `agent.lock`,
/// held for the agent's life.
///
/// A record lock belongs to the process, not to the open file: a child that still holds a copy of
/// the fd (a task or a supervisor between its clone and its exec) does not hold the lock, so the
/// lock goes with the agent. A SIGKILLed agent still takes a moment to die (a write it is blocked in
/// finishes first): a holder that is exiting is waited for, a live one refuses the start at once.
struct DataDirectoryLock {
    let fd: Int32

    /// How long a dying holder is waited for.
    static let dyingHolderWait: Duration = .seconds(10)

    init(directory: String) throws {
        let path = directory + "/agent.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw CLIFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
        let clock = ContinuousClock()
        let deadline = clock.now + Self.dyingHolderWait
        while true {
            var lock = Self.wholeFile(type: F_WRLCK)
            if fcntl(fd, F_SETLK, &lock) == 0 { return }
            let error = errno
            guard error == EAGAIN || error == EACCES else {
                close(fd)
                throw CLIFailure("cannot lock \(path): \(String(cString: strerror(error)))")
            }
            var holder = Self.wholeFile(type: F_WRLCK)
            let holderPID = fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != Int16(F_UNLCK) ? holder.l_pid : 0
            guard holderPID == 0 || Self.isExiting(holderPID), clock.now < deadline else {
                close(fd)
                throw CLIFailure("another agent (pid \(holderPID)) uses the data directory \(directory) (\(path) is locked)")
            }
            // Polling a dying process: the kernel has no wait for another process's lock but F_SETLKW,
            // which would also wait for a live agent forever.
            usleep(10_000)
        }
    }

    func release() { close(fd) }

    private static func wholeFile(type: Int32) -> flock {
        var lock = flock()
        lock.l_type = Int16(type)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        return lock
    }

    /// Whether `pid` is on its way out: a zombie or dead, or a SIGKILL pending (/proc/PID/status).
    static func isExiting(_ pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return true }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "State" where parts[1].hasPrefix("Z") || parts[1].hasPrefix("X"): return true
            case "SigPnd", "ShdPnd":
                if let mask = UInt64(parts[1], radix: 16), mask & (1 << UInt64(SIGKILL - 1)) != 0 { return true }
            default: continue
            }
        }
        return false
    }
}

/// The node's id: made once, kept in the data directory (Nomad's client id), so it survives restarts.
enum NodeIdentity {
    static func load(dataDir: String) throws -> String {
        let path = dataDir + "/node-id"
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
           let id = text.split(whereSeparator: \.isNewline).first, !id.isEmpty {
            return String(id)
        }
        let id = UUID().uuidString.lowercased()
        do { try Data((id + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw CLIFailure("cannot write the node id to \(path): \(error.localizedDescription)")
        }
        return id
    }
}

/// Tells the service manager the agent is ready once every API listener accepts connections
/// (`Type=notify`: `READY=1` with the addresses as its status).
final class ReadinessReport: Sendable {
    let expected: Int
    let notify: SystemdNotify?
    let addresses = Mutex<[String]>([])

    init(expected: Int, notify: SystemdNotify?) {
        self.expected = expected
        self.notify = notify
    }

    /// One listener accepts connections at `address`.
    func listening(_ address: String) {
        let all = addresses.withLock { addresses -> [String]? in
            addresses.append(address)
            return addresses.count == expected ? addresses : nil
        }
        guard let all, let notify else { return }
        notify.send("READY=1\nSTATUS=listening on \(all.joined(separator: ", "))\nMAINPID=\(getpid())\n")
    }
}
