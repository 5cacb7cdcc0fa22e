import CorralAPI

extension AgentClient {
    /// `GET /v1/allocations`, optionally only those whose id starts with `prefix` or of `job`.
    package func allocations(prefix: String? = nil, job: String? = nil) async throws(AgentClientError) -> [AllocStub] {
        var query: [String: String] = [:]
        if let prefix { query["prefix"] = prefix }
        if let job { query["job"] = job }
        return try await call([AllocStub].self, "GET", APICoding.prefix + "/allocations", query: query)
    }

    /// `GET /v1/allocation/{id}`. With `index`: a blocking query (`?index=N&wait=`), answered when
    /// the allocation's `modify_index` passes `index` or after `wait` (the agent's cap when nil).
    package func allocation(_ id: String, index: UInt64? = nil, wait: Duration? = nil)
        async throws(AgentClientError) -> AllocDetail {
        var query: [String: String] = [:]
        if let index { query["index"] = String(index) }
        if let wait { query["wait"] = Self.goDuration(wait) }
        return try await call(AllocDetail.self, "GET", Self.path("allocation", id: id), query: query)
    }

    /// `POST /v1/allocation/{id}/stop`: kills every task of the allocation.
    package func stopAllocation(_ id: String) async throws(AgentClientError) -> AllocActionResponse {
        try await call(AllocActionResponse.self, "POST", Self.path("allocation", id: id, "stop"))
    }

    /// `POST /v1/client/allocation/{id}/restart`: one task, or every task when `task` is nil.
    package func restart(alloc: String, task: String?) async throws(AgentClientError) -> AllocActionResponse {
        try await call(AllocActionResponse.self, "POST", Self.path("client/allocation", id: alloc, "restart"),
                       json: AllocTaskRequest(task: task))
    }

    /// `POST /v1/client/allocation/{id}/signal`: `signal` as a name (`SIGHUP`, `HUP`) or a number.
    package func signal(alloc: String, task: String?, signal: String) async throws(AgentClientError) -> AllocActionResponse {
        try await call(AllocActionResponse.self, "POST", Self.path("client/allocation", id: alloc, "signal"),
                       json: AllocTaskRequest(task: task, signal: signal))
    }

    /// `GET /v1/client/allocation/{id}/stats`.
    package func stats(alloc: String) async throws(AgentClientError) -> AllocStatsResponse {
        try await call(AllocStatsResponse.self, "GET", Self.path("client/allocation", id: alloc, "stats"))
    }

    /// A duration as the agent's query parsers read it: whole milliseconds, `1500ms`.
    static func goDuration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
