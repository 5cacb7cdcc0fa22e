import CorralAgent
import CorralAPI
import CorralDriver
import CorralRunner
import CorralRunnerTestSupport
import Foundation
import Testing

/// A purge the agent did not finish (killed after removing the allocation's directory and before
/// forgetting it) is finished by the next agent: the purge is stored before it starts
/// (`desired_status = purge`), so the allocation does not come back half removed.
@Suite struct PurgeCutShortTests {
    @Test func theNextAgentFinishesAPurgeItFindsStored() async throws {
        let driver = MockDriver()
        let store = MemoryStateStore()
        let first = AgentFixture(driver: driver, store: store)
        defer { first.remove() }
        let answer = try await first.agent.submit(source: mockJob("cut", count: 2), filename: "c.hcl")
        for id in answer.allocations { _ = try await first.waitFor(id) { $0.stub.clientStatus == .running } }
        await first.agent.shutdown()
        // What an agent killed in the middle of the purge leaves: the intent stored, the records kept.
        for var allocation in try await store.allocations() where allocation.id == answer.allocations[0] {
            allocation.desiredStatus = .purge
            try await store.putAllocation(allocation)
        }

        let second = AgentFixture(driver: driver, store: store, dataDir: first.dataDir)
        try await second.agent.start()
        var remaining: [String] = []
        for _ in 0..<200 {
            remaining = await second.agent.allocations().map(\.id)
            if !remaining.contains(answer.allocations[0]) { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(remaining == [answer.allocations[1]], "the purged allocation came back, or the other went")
        #expect(try await store.allocations().map(\.id) == [answer.allocations[1]])
        await second.agent.shutdown()
    }

    @Test func aPurgeStoresItsIntentBeforeRemovingAnything() async throws {
        let driver = MockDriver()
        let store = MemoryStateStore()
        let fixture = AgentFixture(driver: driver, store: store)
        defer { fixture.remove() }
        let answer = try await fixture.agent.submit(source: mockJob("intent", count: 1), filename: "i.hcl")
        _ = try await fixture.waitFor(answer.allocations[0]) { $0.stub.clientStatus == .running }
        _ = try await fixture.agent.stopJob("intent", purge: true)
        #expect(try await store.allocations().isEmpty)
        #expect(await fixture.agent.allocations().isEmpty)
        await fixture.agent.shutdown()
    }
}
