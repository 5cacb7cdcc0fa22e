import Foundation
import Testing

/// `corral agent` and its state database as an operator meets them: an emptied or damaged
/// database refused (the file untouched, the way out named), the recovery from the backup with the
/// task still running once; and a job submitted again as it is, which changes nothing.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(5)))
struct AgentStateDatabaseTests {
    /// Runs `corral agent` on `agent`'s paths expecting it to refuse to start.
    func refusedStart(_ agent: AgentUnderTest) async throws -> RunResult {
        try await offCooperativePool {
            try runCorralProcess(["agent", "--data-dir", agent.dataDir, "--listen", agent.socket, "--state-root", agent.stateRoot,
                                  "--cgroup-parent", agent.cgroupParent])
        }
    }

    @Test func anEmptiedOrDamagedDatabaseIsRefusedUntouchedAndRecoveredFromTheBackup() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let marker = "corral-it-\(agent.name)"
        let file = try writeJob(loopJob("keep", marker: marker), name: "keep")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        let run = try await agent.cli(["job", "run", file])
        #expect(run.status == 0, "\(run.stderr)")
        let id = try #require(try await agent.allocations(of: "keep").first)
        #expect(agent.stop() == 0)
        let database = agent.dataDir + "/state.db"
        #expect(FileManager.default.fileExists(atPath: database + ".created"))
        #expect(FileManager.default.fileExists(atPath: database + ".bak"))
        let good = try Data(contentsOf: URL(fileURLWithPath: database))

        // Emptied, truncated, garbage: each refused, the file as it was. (Flipped pages, which may
        // hit unused bytes, are SQLiteStateStoreDamageTests' business.)
        let damaged: [(String, Data)] = [("emptied", Data()), ("truncated", good.prefix(good.count / 2)),
                                         ("garbage", Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }))]
        for (what, bytes) in damaged {
            try bytes.write(to: URL(fileURLWithPath: database))
            let refused = try await refusedStart(agent)
            #expect(refused.status != 0, "\(what): the agent started")
            #expect(refused.stderr.contains(database), "\(what): \(refused.stderr)")
            #expect(refused.stderr.contains("--recover-from-backup"), "\(what): \(refused.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == bytes, "\(what): the file was changed")
        }

        // The task ran on meanwhile; the recovery finds it and does not start it again.
        try Data().write(to: URL(fileURLWithPath: database))
        try agent.start(extra: ["--recover-from-backup"])
        let damagedCopies = try FileManager.default.contentsOfDirectory(atPath: agent.dataDir).filter { $0.hasPrefix("state.db.damaged-") }
        #expect(damagedCopies == damagedCopies.filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") })
        #expect(damagedCopies.count == 1)
        let detail = try await agent.allocation(id)
        #expect(AgentUnderTest.state(detail, task: "t") == "running")
        #expect(AgentUnderTest.events(detail, task: "t").filter { $0["type"] as? String == "Started" }.count == 1)
        #expect(shells(containing: marker).count == 1)
        #expect(try await agent.tearDown() == [])
    }

    @Test func theSameJobSubmittedAgainChangesNothingAndCheckIndexIsACompareAndSet() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let marker = "corral-it-\(agent.name)"
        let file = try writeJob(loopJob("same", marker: marker), name: "same")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        let first = try await agent.cli(["job", "run", "--detach", "--json", file])
        #expect(first.status == 0, "\(first.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let index = try #require(answer["job_modify_index"] as? Int)
        let id = try #require(try await agent.allocations(of: "same").first)
        #expect(eventually { shells(containing: marker).count == 1 })

        // The same file again, and again with a comment: nothing restarts.
        let again = try await agent.cli(["job", "run", file])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("Job same unchanged"), "\(again.stdout)")
        try ("# a comment\n" + String(contentsOfFile: file, encoding: .utf8)).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await agent.cli(["job", "run", "--detach", file]).stdout.contains("unchanged"))
        #expect(try await agent.allocations(of: "same") == [id])
        let detail = try await agent.allocation(id)
        #expect(AgentUnderTest.events(detail, task: "t").filter { $0["type"] as? String == "Started" }.count == 1)

        // -check-index: 0 (must not exist) and a stale index are refused; the current one passes.
        for stale in [0, index - 1] {
            let refused = try await agent.cli(["job", "run", "-check-index", String(stale), file])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("job modify index \(index)"), "\(refused.stderr)")
        }
        let status = try await agent.cli(["job", "status", "same"])
        #expect(status.stdout.contains("Modify Index"), "\(status.stdout)")
        #expect(status.stdout.contains(String(index)), "\(status.stdout)")
        let passed = try await agent.cli(["job", "run", "--detach", "--check-index", String(index), file])
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(try await agent.allocations(of: "same") == [id])
        #expect(shells(containing: marker).count == 1)
        #expect(try await agent.tearDown() == [])
    }
}
