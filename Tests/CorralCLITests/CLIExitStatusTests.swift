import CorralAPI
import CorralClient
import Foundation
import Testing
@testable import CorralCLI

/// Every verb's exit status follows one table (`CLIExit`): 2 usage, 3 not found, 4 no agent, 125
/// corral or the agent failed; `alloc exec` keeps 125 for all of those (its other statuses are the
/// command's). Run through `CorralMain.run`, as `corral-cli` runs a command line.
@Suite("exit statuses")
struct CLIExitStatusTests {
    @Test func agentClientErrorsMapToTheirStatus() {
        let unreachable = AgentClientError.unreachable(address: .unix(path: "/x.sock"), reason: "No such file or directory")
        let notFound = AgentClientError.api(status: 404, body: APIErrorBody(error: "no allocation \"x\""))
        let conflict = AgentClientError.api(status: 409, body: APIErrorBody(error: "not running"))
        let invalid = AgentClientError.invalidAddress("invalid agent address \"ftp://x\"")
        let broken = AgentClientError.protocolError("cut short")
        #expect(CLIFailure(unreachable).exitStatus == 4)
        #expect(CLIFailure(notFound).exitStatus == 3)
        #expect(CLIFailure(invalid).exitStatus == 2)
        #expect(CLIFailure(conflict).exitStatus == 125)
        #expect(CLIFailure(broken).exitStatus == 125)
        for error in [unreachable, notFound, conflict, invalid, broken] {
            #expect(CLIFailure(error, commandStatus: true).exitStatus == 125, "alloc exec: \(error)")
            #expect(CLIFailure(error).description == error.description)
        }
        #expect(CLIFailure("anything").exitStatus == 125)
    }

    @Test func clientVerbsWithoutAnAgentExit4AndExecExits125() async throws {
        let absent = "/tmp/corral-cli-test-\(getpid())-absent.sock"
        #expect(try await Self.run(["job", "status", "--address", absent]) == 4)
        #expect(try await Self.run(["alloc", "status", "1a2b", "--address", absent]) == 4)
        #expect(try await Self.run(["alloc", "signal", "-s", "HUP", "1a2b", "--address", absent]) == 4)
        #expect(try await Self.run(["node", "status", "--address", absent]) == 4)
        #expect(try await Self.run(["alloc", "exec", "1a2b", "--address", absent, "--", "/bin/true"]) == 125)
        // An address that is no address is a usage error, but for exec (125, not a status of the command).
        #expect(try await Self.run(["job", "status", "--address", "ftp://host"]) == 2)
        #expect(try await Self.run(["alloc", "exec", "1a2b", "--address", "ftp://host", "--", "/bin/true"]) == 125)
    }

    @Test func whatTheAgentDoesNotKnowIs3() async throws {
        let agent = try await CannedAgent.start()
        #expect(try await Self.run(["job", "status", "missing", "--address", agent.path]) == 3)
        #expect(try await Self.run(["alloc", "status", "abc", "--address", agent.path]) == 3)
        // The agent refusing otherwise (a job file with problems aside: 2) is 125.
        #expect(try await Self.run(["job", "status", "--address", agent.path]) == 0)
        #expect(try await Self.run(["alloc", "exec", "missing", "--address", agent.path, "--", "/bin/true"]) == 125)
        await agent.stop()
    }

    @Test func unknownSignalsAreUsageErrorsBeforeAnythingIsSent() async throws {
        let absent = "/tmp/corral-cli-test-\(getpid())-absent.sock"
        // No agent is asked (there is none: that would be 4).
        #expect(try await Self.run(["alloc", "signal", "-s", "SIGFOO", "1a2b", "--address", absent]) == 2)
        #expect(try await Self.run(["alloc", "signal", "-s", "65", "1a2b", "--address", absent]) == 2)
        #expect(try await Self.run(["kill", "1a2b", "SIGFOO", "--state-root", "/nonexistent"]) == 2)
        #expect(try await Self.run(["kill", "-s", "SIGFOO", "1a2b", "--state-root", "/nonexistent"]) == 2)
        #expect(try await Self.run(["kill", "--signal", "KILL", "1a2b", "TERM", "--state-root", "/nonexistent"]) == 2,
                "a signal given both ways")
        let error = #expect(throws: (any Error).self) { try Corral.parseAsRoot(["alloc", "signal", "-s", "SIGFOO", "x"]) }
        let message = Corral.fullMessage(for: error!)
        #expect(message.contains("-s \"SIGFOO\": unknown signal; give a name (SIGTERM, TERM or term) or a number from 1 to 64"))
        #expect(message.contains("the names: HUP INT QUIT"))
        for good in ["SIGHUP", "HUP", "hup", "9", "64"] {
            #expect(try SignalArgument.number(good, given: "-s") > 0)
        }
    }

    @Test func isolateVerbsSayWhatIsNotThere() async throws {
        let fixture = try IsolateFixture()
        defer { fixture.remove() }
        try fixture.task("abc100000000", record: IsolateFixture.record(id: "abc100000000", supervisor: IsolateFixture.reused),
                         exit: IsolateFixture.exit(code: 0), files: ["stdout.log": "hello\n"])
        try fixture.task("abc200000000", record: IsolateFixture.record(id: "abc200000000", supervisor: IsolateFixture.reused))
        let root = ["--state-root", fixture.root]
        #expect(try await Self.run(["kill", "fff"] + root) == 3, "no such task")
        #expect(try await Self.run(["logs", "fff"] + root) == 3)
        #expect(try await Self.run(["kill", "abc"] + root) == 2, "an ambiguous prefix")
        #expect(try await Self.run(["logs", "abc"] + root) == 2)
        #expect(try await Self.run(["kill", "abc1", "KILL"] + root) == 3, "a task that has ended is not running")
        #expect(try await Self.run(["kill", "abc2"] + root) == 3, "nor one that is gone")
        #expect(try await Self.run(["logs", "abc1"] + root) == 0)
        #expect(try await Self.run(["ps", "--all"] + root) == 0)
        #expect(try await Self.run(["prune", "fff"] + root) == 3)
    }

    @Test func theSupervisorForwardsTheSignalsKillSendsIt() throws {
        // Sources/corral-supervisor/main.c: `static const int forwarded[] = { SIGHUP, ... };`
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/corral-supervisor/main.c")
        let text = try String(contentsOf: source, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains("forwarded[] = {") })
        let names = line.split(separator: "{")[1].split(separator: "}")[0].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let numbers = Set(names.compactMap { try? SignalArgument.number($0, given: "") })
        #expect(numbers.count == names.count, "\(names)")
        #expect(numbers == IsolateSignal.forwardedBySupervisor)
    }

    /// `CorralMain.run` on a thread of its own: client verbs block their thread until the agent answers.
    static func run(_ arguments: [String]) async throws -> Int32 {
        try await IsolateLogReaderTests.offPool { CorralMain.run(arguments) }
    }
}
