import CorralAgent
import CorralAPI
import CorralDriver
import CorralRunner
import CorralRunnerTestSupport
import Foundation
import Testing

/// A purge whose directory removal fails half-way (a mount left inside, a file the agent cannot
/// remove) is still a purge: the allocation is forgotten and gone from the store, so the next agent
/// does not bring it back, and the directory left behind is said.
@Suite struct PurgeLeftoverTests {
    struct StuckDirectory: TaskDirBuilder {
        func build(_ directory: TaskDirectory) async throws { try await PlainTaskDirBuilder().build(directory) }
        func destroy(allocDir: String) async throws {
            throw AllocDirStuck(path: allocDir)
        }
    }

    struct AllocDirStuck: Error, CustomStringConvertible {
        var path: String
        var description: String { "remove \(path): Device or resource busy" }
    }

    @Test func aPurgeThatCannotRemoveTheDirectoryIsStillPersisted() async throws {
        let driver = MockDriver()
        let store = MemoryStateStore()
        let first = AgentFixture(driver: driver, store: store, taskDirBuilder: StuckDirectory())
        defer { first.remove() }
        let answer = try await first.agent.submit(source: mockJob("stuck", count: 2), filename: "s.hcl")
        for id in answer.allocations { _ = try await first.waitFor(id) { $0.stub.clientStatus == .running } }
        await #expect {
            _ = try await first.agent.stopJob("stuck", purge: true)
        } throws: { error in
            "\(error)".contains("is removed, but its directory") && "\(error)".contains("Device or resource busy")
        }
        // Both allocations went, not only the first.
        #expect(await first.agent.allocations().isEmpty)
        #expect(try await store.allocations().isEmpty)
        await first.agent.shutdown()
        let second = AgentFixture(driver: driver, store: store, dataDir: first.dataDir)
        try await second.agent.start()
        #expect(await second.agent.allocations().isEmpty)
        await second.agent.shutdown()
    }
}
