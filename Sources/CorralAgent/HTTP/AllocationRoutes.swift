import CorralAPI
import HTTPTypes
import Hummingbird
import NIOCore

/// `/v1/allocations` and `/v1/allocation/{alloc}`: list, read (with blocking queries) and stop.
struct AllocationRoutes {
    let agent: Agent
    /// A blocking query waits at most this long, whatever `wait` asks (Nomad's cap).
    static let maximumWait: Duration = .seconds(600)
    static let defaultWait: Duration = .seconds(300)

    func register(on group: RouterGroup<APIRouter.Context>) {
        group.get("allocations") { request, _ in
            try JSONResponse.make(await agent.allocations(prefix: request.query("prefix"), job: request.query("job")))
        }
        group.get("allocation/:alloc") { request, context in
            let id = try context.pathParameter("alloc")
            let detail: AllocDetail
            if let text = request.query("index") {
                guard let index = UInt64(text) else { throw AgentError.badRequest("index=\(text): a whole number") }
                let wait = min(try request.durationQuery("wait") ?? Self.defaultWait, Self.maximumWait)
                detail = try await agent.allocation(id, after: index, timeout: wait)
            } else {
                detail = try await agent.allocation(id)
            }
            return try JSONResponse.make(detail, headers: [HTTPField.Name(APICoding.indexHeader)!: String(detail.stub.modifyIndex)])
        }
        group.post("allocation/:alloc/stop") { _, context in
            try JSONResponse.make(try await agent.stopAllocation(try context.pathParameter("alloc")))
        }
    }
}
