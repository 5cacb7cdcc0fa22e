import Foundation
import Testing

/// An agent whose data directory (state.db, allocation directories) is a small tmpfs that fills up
/// while a batch task runs: the exit it cannot store is shown as a `State Persist Failed` event and
/// in `node status`; an agent SIGKILLed then and restarted with room again reports the task's exit
/// once, truthfully, without running the task again.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(5)))
struct AgentFullDiskTests {
    @Test func anExitThatCannotBeStoredIsShownAndNotRunAgain() async throws {
        let agent = AgentUnderTest()
        try FileManager.default.createDirectory(atPath: agent.dataDir, withIntermediateDirectories: true)
        try #require(mount("tmpfs", agent.dataDir, "tmpfs", 0, "size=16m,mode=0711") == 0, "cannot mount a tmpfs: errno \(errno)")
        defer { umount2(agent.dataDir, Int32(MNT_DETACH)) }
        try agent.start()
        defer { agent.forceCleanup() }
        let marker = "corral-it-\(agent.name)"
        let script = "echo run >> /alloc/data/runs; while [ ! -e /alloc/data/go ]; do sleep 0.05; done; exit 7"
        let file = try writeJob(loopJob("full", marker: marker, type: "batch", script: script,
                                        restart: "restart {\n attempts = 0\n mode = \"fail\"\n }"), name: "full")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        #expect(try await agent.cli(["job", "run", "--detach", file]).status == 0)
        let id = try #require(try await agent.allocations(of: "full").first)
        var detail = try await agent.allocation(id)
        for _ in 0..<300 where AgentUnderTest.state(detail, task: "t") != "running" { detail = try await agent.allocation(id) }
        try #require(AgentUnderTest.state(detail, task: "t") == "running")
        let dataDir = agent.dataDir + "/alloc/" + id + "/alloc/data"

        // Fill the file system, then let the task end.
        let filler = agent.dataDir + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        let block = [UInt8](repeating: 0x66, count: 65536)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        close(fd)
        #expect(FileManager.default.createFile(atPath: dataDir + "/go", contents: nil))
        var failed = false
        for _ in 0..<300 where !failed {
            detail = try await agent.allocation(id)
            failed = AgentUnderTest.events(detail, task: "t").contains { $0["type"] as? String == "State Persist Failed" }
        }
        #expect(failed, "\(AgentUnderTest.events(detail, task: "t"))")
        let status = try await agent.cli(["node", "status"])
        #expect(status.stdout.contains("state store writes failing"), "\(status.stdout)")
        #expect(agent.agentLog().contains("cannot write the state store"), "the failure was not logged")

        // The agent dies while the exit is not stored; the next one has room again.
        agent.stop(signal: SIGKILL)
        unlink(filler)
        try agent.start()
        for _ in 0..<300 where AgentUnderTest.state(detail, task: "t") != "dead" { detail = try await agent.allocation(id) }
        let events = AgentUnderTest.events(detail, task: "t")
        let exits = events.filter { $0["type"] as? String == "Terminated" }
            .compactMap { ($0["details"] as? [String: Any])?["exit_code"] as? String }
        #expect(exits == ["7"], "\(events.compactMap { $0["message"] as? String })")
        let runs = (try? String(contentsOfFile: dataDir + "/runs", encoding: .utf8)) ?? ""
        #expect(runs.split(separator: "\n").count == 1, "the task ran \(runs.split(separator: "\n").count) times")
        let left = try await agent.tearDown()
        #expect(left.filter { $0 != agent.dataDir } == [])
    }
}
