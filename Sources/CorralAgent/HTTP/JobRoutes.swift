import CorralAPI
import CorralJobspec
import Foundation
import Hummingbird

/// `/v1/jobs` and `/v1/job/{job}`: submit, list, read and stop jobs.
struct JobRoutes {
    let agent: Agent

    func register(on group: RouterGroup<APIRouter.Context>) {
        group.post("jobs") { request, _ in
            let file = try await JobFileRequest(request, limit: agent.settings.maxRequestBytes)
            return try JSONResponse.make(try await agent.submit(source: file.source, filename: file.filename, json: file.json,
                                                                directory: file.directory,
                                                                enforceIndex: try Self.enforcedIndex(request),
                                                                variables: file.variables))
        }
        // Nomad's `job plan`: the same body and parameters as a submission; nothing changes.
        group.post("jobs/plan") { request, _ in
            let file = try await JobFileRequest(request, limit: agent.settings.maxRequestBytes)
            return try JSONResponse.make(try await agent.plan(source: file.source, filename: file.filename, json: file.json,
                                                              directory: file.directory, variables: file.variables))
        }
        group.get("jobs") { request, _ in
            try JSONResponse.make(await agent.jobs(prefix: request.query("prefix")))
        }
        group.get("job/:job") { _, context in
            try JSONResponse.make(try await agent.job(try context.pathParameter("job")))
        }
        group.delete("job/:job") { request, context in
            let purge = try request.boolQuery("purge")
            return try JSONResponse.make(try await agent.stopJob(try context.pathParameter("job"), purge: purge))
        }
    }

    /// Nomad's `EnforceIndex` and `JobModifyIndex` as query parameters: `enforce_index=true` with
    /// `job_modify_index=N` (0, or absent, meaning the job must not exist). An index without
    /// `enforce_index=true` would be silently ignored by Nomad: here it is a 400.
    static func enforcedIndex(_ request: Request) throws(AgentError) -> UInt64? {
        let enforce = try request.boolQuery("enforce_index")
        let text = request.query("job_modify_index")
        guard enforce else {
            if let text { throw .badRequest("job_modify_index=\(text) needs enforce_index=true") }
            return nil
        }
        guard let text else { return 0 }
        guard let index = UInt64(text) else { throw .badRequest("job_modify_index=\(text): a whole number, 0 or more") }
        return index
    }
}

/// A job file as `POST /v1/jobs` and `POST /v1/jobs/plan` take it: the body (UTF-8, at most the agent's
/// request limit), JSON by its content type, and the `filename`, `dir` and `variables` parameters.
struct JobFileRequest {
    var source: String
    var filename: String
    var json: Bool?
    var directory: String?
    var variables: JobVariableInputs

    init(_ request: Request, limit: Int) async throws {
        var request = request
        let bytes = try await request.boundedBody(limit: limit)
        guard let source = String(validating: bytes, as: UTF8.self) else {
            throw AgentError.badRequest("the job file is not UTF-8 text")
        }
        self.source = source
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        json = contentType.hasPrefix("application/json") ? true : nil
        filename = request.query("filename") ?? (json == true ? "job.json" : "job")
        directory = request.query("dir")
        variables = try Self.variables(request)
    }

    /// The job file's variables (`-var`, `-var-file`, `NOMAD_VAR_` of `corral job run`), as the JSON of
    /// `JobVariableInputs` in the `variables` query parameter.
    static func variables(_ request: Request) throws(AgentError) -> JobVariableInputs {
        guard let text = request.query("variables") else { return JobVariableInputs() }
        guard let inputs = try? JSONDecoder().decode(JobVariableInputs.self, from: Data(text.utf8)) else {
            throw .badRequest("variables=: expected {\"environment\": {...}, \"files\": [{\"name\", \"text\"}], \"assignments\": [...]}")
        }
        return inputs
    }
}
