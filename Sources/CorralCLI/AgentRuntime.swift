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

/// The composition root of `corral agent`: one agent per data directory (a lock file), its state
/// store, drivers, node identity, metrics and logging, the API listeners, and the service group
/// that runs them until SIGTERM or SIGINT.
struct AgentRuntime {
    let settings: AgentSettings

    static func logLevel(_ name: String) -> Logger.Level? {
        name == "warn" ? .warning : Logger.Level(rawValue: name.lowercased())
    }

    func run() async throws {
        let level = Self.logLevel(settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
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
        let store: SQLiteStateStore
        do { store = try SQLiteStateStore(path: settings.storePath) } catch { throw CLIFailure(error.description) }
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
                            attributes: fingerprints["exec"]?.attributes ?? [:], meta: settings.nodeMeta)

        let agent = Agent(settings: settings, node: node, drivers: drivers, fingerprints: fingerprints, store: store,
                          taskDirBuilder: HostTaskDirBuilder(), metricsFactory: metrics, logger: logger)
        logger.info("agent starting", metadata: ["data_dir": "\(settings.dataDir)", "node": "\(node.name)",
                                                 "version": "\(Corral.configuration.version)"])
        do { try await agent.start() } catch { throw CLIFailure(error.description) }
        let server = AgentServer(agent: agent, environment: .init(version: Corral.configuration.version, registry: registry,
                                                                   logger: logger))
        let listeners: [any Service]
        do { listeners = try server.services() } catch {
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
    }
}

/// One agent per data directory: an exclusive `flock` on `agent.lock`, held for the agent's life.
struct DataDirectoryLock {
    let fd: Int32

    init(directory: String) throws {
        let path = directory + "/agent.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw CLIFailure("another agent uses the data directory \(directory) (\(path) is locked)")
        }
    }

    func release() { close(fd) }
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
