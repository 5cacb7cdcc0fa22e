import CorralAgent
import CorralAPI
import CorralClient
import Foundation
import Testing

/// `POST /v1/jobs` with Nomad's `EnforceIndex`/`JobModifyIndex` as query parameters, and an
/// identical resubmission, as a client sees them over the API.
@Suite struct APIJobIndexTests {
    func post(_ api: APIHarness, _ source: String, query: [String: String]) async throws -> AgentResponse {
        try await api.client.send(method: "POST", path: "/v1/jobs", query: query, body: Array(source.utf8),
                                  contentType: "text/plain")
    }

    @Test func compareAndSetAndIdenticalResubmissionOverTheAPI() async throws {
        let api = try await APIHarness.start()
        do {
            let first = try await api.client.submitJob(source: mockJob("web"), filename: "web.hcl", checkIndex: 0)
            #expect(first.jobModifyIndex > 0)
            _ = try await api.fixture.waitFor(first.allocations[0]) { $0.stub.clientStatus == .running }

            // 409 with the current index, for 0 (the job exists) and for a stale index.
            for stale in [UInt64(0), first.jobModifyIndex + 1] {
                let refused = try await post(api, mockJob("web", count: 2),
                                             query: ["enforce_index": "true", "job_modify_index": String(stale)])
                #expect(refused.status == 409)
                let body = try JSONDecoder().decode(APIErrorBody.self, from: Data(refused.body))
                #expect(body.jobModifyIndex == first.jobModifyIndex)
                #expect(body.error.contains("job modify index"))
            }
            // enforce_index alone means 0; an index without enforce_index, or not a number, is a 400.
            #expect(try await post(api, mockJob("web"), query: ["enforce_index": "true"]).status == 409)
            #expect(try await post(api, mockJob("web"), query: ["job_modify_index": "3"]).status == 400)
            #expect(try await post(api, mockJob("web"), query: ["enforce_index": "true", "job_modify_index": "-1"]).status == 400)
            #expect(try await api.client.jobs().first?.jobModifyIndex == first.jobModifyIndex)

            let again = try await api.client.submitJob(source: "// retried\n" + mockJob("web"), filename: "web.hcl")
            #expect(again.unchanged)
            #expect(again.allocations == first.allocations)
            let replaced = try await api.client.submitJob(source: mockJob("web", count: 2), filename: "web.hcl",
                                                          checkIndex: first.jobModifyIndex)
            #expect(!replaced.unchanged)
            #expect(replaced.replaced == first.allocations)
        } catch {
            await api.stop()
            throw error
        }
        await api.stop()
    }
}
