import CorralAPI

extension AgentClient {
    /// `POST /v1/jobs`: submits a job file (HCL, or JSON when it starts with `{`); `filename`
    /// names it in diagnostics. A file that does not validate is `.api(400)` with every diagnostic.
    /// `directory`: the job file's directory (absolute), against which the agent makes relative
    /// host paths in driver configs absolute (`image`, `seccomp_profile`, mount sources), as
    /// `corral run` does. `checkIndex`: a compare-and-set (Nomad's `EnforceIndex`): 0, the job must
    /// not exist; otherwise its modify index must be this; else `.api(409)` with the current index.
    /// `variables`: the job file's `-var`, `-var-file` and `NOMAD_VAR_` values as JSON (the `variables`
    /// query parameter).
    package func submitJob(source: String, filename: String, directory: String? = nil, checkIndex: UInt64? = nil,
                          variables: String? = nil) async throws(AgentClientError) -> JobSubmitResponse {
        let isJSON = source.trimmingWhitespace().hasPrefix("{")
        var query = ["filename": filename]
        if let directory { query["dir"] = directory }
        if let variables { query["variables"] = variables }
        if let checkIndex {
            query["enforce_index"] = "true"
            query["job_modify_index"] = String(checkIndex)
        }
        let response = try await send(method: "POST", path: APICoding.prefix + "/jobs", query: query,
                                      body: Array(source.utf8), contentType: isJSON ? "application/json" : "text/plain")
        guard response.isSuccess else { throw response.apiError }
        return try response.decode(JobSubmitResponse.self)
    }

    /// `POST /v1/jobs/plan`: what submitting the job file would do; nothing changes. Parameters as `submitJob`.
    package func planJob(source: String, filename: String, directory: String? = nil,
                        variables: String? = nil) async throws(AgentClientError) -> JobPlanResponse {
        let isJSON = source.trimmingWhitespace().hasPrefix("{")
        var query = ["filename": filename]
        if let directory { query["dir"] = directory }
        if let variables { query["variables"] = variables }
        let response = try await send(method: "POST", path: APICoding.prefix + "/jobs/plan", query: query,
                                      body: Array(source.utf8), contentType: isJSON ? "application/json" : "text/plain")
        guard response.isSuccess else { throw response.apiError }
        return try response.decode(JobPlanResponse.self)
    }

    /// `GET /v1/jobs`.
    package func jobs(prefix: String? = nil) async throws(AgentClientError) -> [JobStub] {
        try await call([JobStub].self, "GET", APICoding.prefix + "/jobs", query: prefix.map { ["prefix": $0] } ?? [:])
    }

    /// `GET /v1/job/{id}`.
    package func job(_ id: String) async throws(AgentClientError) -> JobDetail {
        try await call(JobDetail.self, "GET", Self.path("job", id: id))
    }

    /// `DELETE /v1/job/{id}`; with `purge`, its allocations and their state are removed too.
    package func stopJob(_ id: String, purge: Bool = false) async throws(AgentClientError) -> JobStopResponse {
        try await call(JobStopResponse.self, "DELETE", Self.path("job", id: id), query: purge ? ["purge": "true"] : [:])
    }
}
