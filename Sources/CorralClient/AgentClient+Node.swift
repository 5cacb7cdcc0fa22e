import CorralAPI

extension AgentClient {
    /// `GET /v1/node`.
    package func node() async throws(AgentClientError) -> NodeResponse {
        try await call(NodeResponse.self, "GET", APICoding.prefix + "/node")
    }

    /// `GET /v1/agent/health`.
    package func health() async throws(AgentClientError) -> HealthResponse {
        try await call(HealthResponse.self, "GET", APICoding.prefix + "/agent/health")
    }

    /// `GET /v1/metrics?format=prometheus`: the Prometheus text exposition.
    package func metrics() async throws(AgentClientError) -> String {
        let response = try await send(method: "GET", path: APICoding.prefix + "/metrics", query: ["format": "prometheus"])
        guard response.isSuccess else { throw response.apiError }
        return response.text
    }
}
