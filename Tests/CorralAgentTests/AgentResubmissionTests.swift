import CorralAgent
import CorralAPI
import CorralDriver
import CorralRunner
import CorralRunnerTestSupport
import Foundation
import Testing

/// Submitting a job that is already there: an identical job changes nothing (a client retrying a
/// submission must not restart the job), and `enforceIndex` is a compare-and-set.
@Suite struct AgentResubmissionTests {
    /// `mockJob("same")` written differently: a comment, other spacing, attributes in another order.
    static let sameJobRewritten = """
        # the same job as mockJob("same"), written another way
        job "same" {
          group "g" {
            task "main" {
              resources { memory = 16
                          cpu = 20 }
              config   { run_for = "1h" }
              driver = "mock"
            }
            count = 1
          }
          type = "service"
        }
        """

    @Test func anIdenticalJobChangesNothing() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let first = try await fixture.agent.submit(source: mockJob("same"), filename: "same.hcl")
        #expect(!first.unchanged)
        #expect(first.jobModifyIndex > 0)
        let id = first.allocations[0]
        let running = try await fixture.waitFor(id) { $0.stub.clientStatus == .running }
        let writes = fixture.store.writeCount

        for source in [mockJob("same"), Self.sameJobRewritten] {
            let again = try await fixture.agent.submit(source: source, filename: "same.hcl")
            #expect(again.unchanged)
            #expect(again.allocations == first.allocations)
            #expect(again.replaced.isEmpty)
            #expect(again.jobModifyIndex == first.jobModifyIndex)
        }
        let detail = try await fixture.agent.allocation(id)
        #expect(detail.stub.clientStatus == .running)
        #expect(detail.stub.modifyIndex == running.stub.modifyIndex)
        #expect(detail.taskStates["main"]?.events.filter { $0.type == .started }.count == 1)
        #expect(fixture.store.writeCount == writes)
        #expect(try await fixture.store.allocations().map(\.id) == first.allocations)
        #expect(await fixture.agent.jobs().first?.jobModifyIndex == first.jobModifyIndex)
        _ = try await fixture.agent.stopJob("same", purge: true)
    }

    @Test func aChangedJobIsANewVersion() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let first = try await fixture.agent.submit(source: mockJob("v"), filename: "v.hcl")
        _ = try await fixture.waitFor(first.allocations[0]) { $0.stub.clientStatus == .running }
        for changed in [mockJob("v", memory: 32), mockJob("v", config: "run_for = \"2h\""), mockJob("v", count: 2)] {
            let before = try await fixture.agent.job("v")
            let answer = try await fixture.agent.submit(source: changed, filename: "v.hcl")
            #expect(!answer.unchanged)
            #expect(answer.replaced == before.allocations.map(\.id))
            #expect(answer.jobModifyIndex > before.stub.jobModifyIndex)
            #expect(try await fixture.agent.job("v").stub.jobModifyIndex == answer.jobModifyIndex)
        }
        _ = try await fixture.agent.stopJob("v", purge: true)
    }

    @Test func aStoppedJobSubmittedAgainStartsAfresh() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let first = try await fixture.agent.submit(source: mockJob("s"), filename: "s.hcl")
        _ = try await fixture.waitFor(first.allocations[0]) { $0.stub.clientStatus == .running }
        _ = try await fixture.agent.stopJob("s", purge: false)
        _ = try await fixture.waitFor(first.allocations[0]) { $0.taskStates["main"]?.state == .dead }
        let again = try await fixture.agent.submit(source: mockJob("s"), filename: "s.hcl")
        #expect(!again.unchanged)
        #expect(again.replaced == first.allocations)
        _ = try await fixture.waitFor(again.allocations[0]) { $0.stub.clientStatus == .running }
        _ = try await fixture.agent.stopJob("s", purge: true)
    }

    @Test func anIdenticalJobIsRecognisedByTheNextAgent() async throws {
        let driver = MockDriver()
        let store = MemoryStateStore()
        let first = AgentFixture(driver: driver, store: store)
        defer { first.remove() }
        let answer = try await first.agent.submit(source: mockJob("keep"), filename: "keep.hcl")
        _ = try await first.waitFor(answer.allocations[0]) { $0.stub.clientStatus == .running }
        // What the SQLite store keeps is the job's JSON: it must decode to an equal job.
        let job = try await first.agent.job("keep").job
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(try JSONDecoder().decode(Job.self, from: encoder.encode(job)) == job)
        await first.agent.shutdown()

        let second = AgentFixture(driver: driver, store: store, dataDir: first.dataDir)
        try await second.agent.start()
        let again = try await second.agent.submit(source: Self.sameJobRewritten.replacingOccurrences(of: "\"same\"", with: "\"keep\""),
                                                  filename: "keep.hcl")
        #expect(again.unchanged)
        #expect(again.allocations == answer.allocations)
        #expect(again.jobModifyIndex == answer.jobModifyIndex)
        #expect(try await second.agent.allocation(answer.allocations[0]).taskStates["main"]?.events
            .filter { $0.type == .started }.count == 1)
        _ = try await second.agent.stopJob("keep", purge: true)
    }

    @Test func checkIndexZeroMeansTheJobMustNotExist() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        let created = try await fixture.agent.submit(source: mockJob("c"), filename: "c.hcl", enforceIndex: 0)
        #expect(!created.unchanged)
        await #expect(throws: AgentError.indexMismatch(job: "c", expected: 0, current: created.jobModifyIndex)) {
            _ = try await fixture.agent.submit(source: mockJob("c", memory: 32), filename: "c.hcl", enforceIndex: 0)
        }
        let error = AgentError.indexMismatch(job: "c", expected: 0, current: created.jobModifyIndex)
        #expect(error.status == 409)
        #expect(error.body.jobModifyIndex == created.jobModifyIndex)
        #expect(try await fixture.agent.job("c").allocations.map(\.id) == created.allocations)
        _ = try await fixture.agent.stopJob("c", purge: true)
    }

    @Test func checkIndexReplacesOnlyTheVersionItNames() async throws {
        let fixture = AgentFixture()
        defer { fixture.remove() }
        await #expect(throws: AgentError.indexMismatch(job: "n", expected: 7, current: 0)) {
            _ = try await fixture.agent.submit(source: mockJob("n"), filename: "n.hcl", enforceIndex: 7)
        }
        #expect(await fixture.agent.jobs().isEmpty)
        let first = try await fixture.agent.submit(source: mockJob("n"), filename: "n.hcl")
        _ = try await fixture.waitFor(first.allocations[0]) { $0.stub.clientStatus == .running }
        let stale = first.jobModifyIndex - 1
        await #expect(throws: AgentError.indexMismatch(job: "n", expected: stale, current: first.jobModifyIndex)) {
            _ = try await fixture.agent.submit(source: mockJob("n", count: 2), filename: "n.hcl", enforceIndex: stale)
        }
        #expect(try await fixture.agent.job("n").allocations.map(\.id) == first.allocations)
        #expect(try await fixture.agent.allocation(first.allocations[0]).stub.clientStatus == .running)

        let second = try await fixture.agent.submit(source: mockJob("n", count: 2), filename: "n.hcl",
                                                    enforceIndex: first.jobModifyIndex)
        #expect(second.replaced == first.allocations)
        #expect(second.allocations.count == 2)
        // The index the first submission named is gone with its version.
        await #expect(throws: AgentError.indexMismatch(job: "n", expected: first.jobModifyIndex, current: second.jobModifyIndex)) {
            _ = try await fixture.agent.submit(source: mockJob("n"), filename: "n.hcl", enforceIndex: first.jobModifyIndex)
        }
        // Identical and at the right index: unchanged.
        let same = try await fixture.agent.submit(source: mockJob("n", count: 2), filename: "n.hcl",
                                                  enforceIndex: second.jobModifyIndex)
        #expect(same.unchanged)
        #expect(same.allocations == second.allocations)
        _ = try await fixture.agent.stopJob("n", purge: true)
    }
}
