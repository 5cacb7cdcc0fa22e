import CorralAgent
import CorralAPI
import CorralDriver
import CorralRunner
import CorralRunnerTestSupport
import Foundation
import Testing

/// The client GC: terminal allocations beyond `gc_max_allocs` are removed oldest terminal first
/// (by when they became terminal, not when they were made); one that runs is never removed.
@Suite struct AgentGarbageCollectionTests {
    /// Waits (with blocking queries) until the agent holds exactly `expected` allocations.
    func waitForAllocations(_ fixture: AgentFixture, _ expected: Set<String>) async -> Set<String> {
        let deadline = ContinuousClock.now + .seconds(10)
        var ids = Set(await fixture.agent.allocations().map(\.id))
        while ids != expected, ContinuousClock.now < deadline {
            if let any = ids.first { _ = try? await fixture.agent.allocation(any, after: .max - 1, timeout: .milliseconds(50)) }
            ids = Set(await fixture.agent.allocations().map(\.id))
        }
        return ids
    }

    func batch(_ fixture: AgentFixture, _ name: String) async throws -> String {
        let answer = try await fixture.agent.submit(source: mockJob(name, type: "batch", config: "run_for = \"1ms\""),
                                                    filename: "\(name).hcl")
        _ = try await fixture.waitFor(answer.allocations[0]) { $0.stub.clientStatus == .complete }
        return answer.allocations[0]
    }

    @Test func aServiceThatHasJustDiedOutlivesOlderTerminalAllocations() async throws {
        let fixture = AgentFixture { $0.gcMaxAllocs = 2 }
        defer { fixture.remove() }
        // Made first, terminal last: creation order would collect it first.
        let service = try await fixture.agent.submit(source: mockJob("svc"), filename: "svc.hcl").allocations[0]
        _ = try await fixture.waitFor(service) { $0.stub.clientStatus == .running }
        let first = try await batch(fixture, "b0")
        let second = try await batch(fixture, "b1")
        #expect(await waitForAllocations(fixture, [service, first, second]) == [service, first, second])

        _ = try await fixture.agent.stopAllocation(service)
        let dead = try await fixture.waitFor(service) { $0.taskStates["main"]?.state == .dead }
        #expect(dead.taskStates["main"]?.finishedAt != nil)
        // Three terminal, two kept: the batch that ended first goes.
        #expect(await waitForAllocations(fixture, [service, second]) == [service, second])
        #expect(Set(try await fixture.store.allocations().map(\.id)) == [service, second])
        let kept = try await fixture.agent.allocation(service)
        #expect(kept.taskStates["main"]?.events.contains { $0.type == .killed } == true)
    }

    @Test func runningAllocationsAreNeverCollected() async throws {
        let fixture = AgentFixture { $0.gcMaxAllocs = 1 }
        defer { fixture.remove() }
        let services = try await fixture.agent.submit(source: mockJob("svc", count: 3), filename: "svc.hcl").allocations
        for id in services { _ = try await fixture.waitFor(id) { $0.stub.clientStatus == .running } }
        let first = try await batch(fixture, "b0")
        let second = try await batch(fixture, "b1")
        let third = try await batch(fixture, "b2")
        // Only the newest terminal one is kept; the older services, all running, stay.
        let expected = Set(services).union([third])
        #expect(await waitForAllocations(fixture, expected) == expected)
        #expect(!Set(try await fixture.store.allocations().map(\.id)).contains(first))
        #expect(!Set(try await fixture.store.allocations().map(\.id)).contains(second))
        _ = try await fixture.agent.stopJob("svc", purge: true)
    }

    @Test func aRestartedAgentCollectsByTheStoredTerminalTimes() async throws {
        let driver = MockDriver()
        let store = MemoryStateStore()
        let first = AgentFixture(driver: driver, store: store) { $0.gcMaxAllocs = 2 }
        defer { first.remove() }
        let service = try await first.agent.submit(source: mockJob("svc"), filename: "svc.hcl").allocations[0]
        _ = try await first.waitFor(service) { $0.stub.clientStatus == .running }
        let old = try await batch(first, "b0")
        _ = try await first.agent.stopAllocation(service)
        _ = try await first.waitFor(service) { $0.taskStates["main"]?.state == .dead }
        await first.agent.shutdown()

        let second = AgentFixture(driver: driver, store: store, dataDir: first.dataDir) { $0.gcMaxAllocs = 2 }
        try await second.agent.start()
        // A third terminal allocation: the batch that ended before the service died goes.
        let newest = try await batch(second, "b1")
        #expect(await waitForAllocations(second, [service, newest]) == [service, newest])
        #expect(!Set(try await store.allocations().map(\.id)).contains(old))
    }
}
