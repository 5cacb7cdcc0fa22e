import CorralAgent
import CorralClient
import CorralDriver
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// A real agent API on a temporary unix socket (over the mock driver), with a client for it.
struct APIHarness {
    let fixture: AgentFixture
    let client: AgentClient
    let registry: PrometheusCollectorRegistry
    /// `http://127.0.0.1:PORT` when the settings asked for a TCP listener too.
    let tcpAddress: String?
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    static func start(extraDrivers: [String: any TaskDriver] = [:], configure: (inout AgentSettings) -> Void = { _ in })
        async throws -> APIHarness {
        let registry = PrometheusCollectorRegistry()
        let fixture = AgentFixture(metricsFactory: PrometheusMetricsFactory(registry: registry), extraDrivers: extraDrivers,
                                   configure: configure)
        var logger = Logger(label: "corral.api.test")
        logger.logLevel = .critical
        let server = AgentServer(agent: fixture.agent, environment: .init(version: "test", registry: registry, logger: logger))
        let (listening, announce) = AsyncStream.makeStream(of: String.self)
        let services = try server.services(onListening: { announce.yield($0) })
        let group = ServiceGroup(services: services + [AgentService(agent: fixture.agent)], logger: logger)
        let running = Task { try await group.run() }
        var iterator = listening.makeAsyncIterator()
        var tcpAddress: String?
        for _ in 0..<services.count {
            if let address = await iterator.next(), address.hasPrefix("http://") || address.hasPrefix("https://") { tcpAddress = address }
        }
        return APIHarness(fixture: fixture, client: AgentClient(address: .unix(path: fixture.agent.settings.socketPath)),
                          registry: registry, tcpAddress: tcpAddress, group: group, running: running)
    }

    private init(fixture: AgentFixture, client: AgentClient, registry: PrometheusCollectorRegistry, tcpAddress: String?,
                 group: ServiceGroup, running: Task<Void, any Error>) {
        self.fixture = fixture
        self.client = client
        self.registry = registry
        self.tcpAddress = tcpAddress
        self.group = group
        self.running = running
    }

    var agent: Agent { fixture.agent }

    /// Purges every job, shuts the server down and removes the data directory.
    func stop() async {
        for job in await agent.jobs() { _ = try? await agent.stopJob(job.id, purge: true) }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        fixture.remove()
    }
}
