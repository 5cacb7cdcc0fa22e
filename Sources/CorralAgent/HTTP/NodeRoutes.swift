import CorralAPI
import Hummingbird
import Prometheus

/// `/v1/node`, `/v1/agent/health` and `/v1/metrics`.
struct NodeRoutes {
    let agent: Agent
    let environment: APIRouter.Environment

    func register(on group: RouterGroup<APIRouter.Context>) {
        group.get("node") { _, _ in try JSONResponse.make(await agent.nodeStatus()) }
        group.get("agent/health") { _, _ in
            let health = await agent.health(version: environment.version)
            return try JSONResponse.make(health, status: health.ok ? .ok : .serviceUnavailable)
        }
        let registry = environment.registry
        group.get("metrics") { request, _ in
            let format = request.query("format") ?? "prometheus"
            guard format == "prometheus" else {
                throw AgentError.badRequest("format=\(format): the metrics are served as format=prometheus")
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
