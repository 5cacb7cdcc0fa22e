import CorralAPI
import Hummingbird
import HummingbirdWebSocket
import Logging
import Prometheus

/// The agent's HTTP API (docs/API.md): every route under `/v1`, JSON in and out, errors as
/// `APIErrorBody` with their status.
package enum APIRouter {
    /// What the routes need besides the agent.
    package struct Environment: Sendable {
        package var version: String
        package var registry: PrometheusCollectorRegistry
        package var logger: Logger

        package init(version: String, registry: PrometheusCollectorRegistry, logger: Logger) {
            self.version = version
            self.registry = registry
            self.logger = logger
        }
    }

    /// The context every route gets (WebSocket-capable, for `exec`; with the connection, for streams).
    package typealias Context = AgentRequestContext

    /// `token`: every request must carry it (the TCP listener's router).
    package static func build(agent: Agent, environment: Environment, token: String? = nil) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: APIErrorMiddleware(logger: environment.logger, maxRequestBytes: agent.settings.maxRequestBytes))
        if let token { router.add(middleware: TokenMiddleware(token: token)) }
        let v1 = router.group("v1")
        JobRoutes(agent: agent).register(on: v1)
        AllocationRoutes(agent: agent).register(on: v1)
        ClientRoutes(agent: agent, logger: environment.logger).register(on: v1)
        NodeRoutes(agent: agent, environment: environment).register(on: v1)
        return router
    }
}
