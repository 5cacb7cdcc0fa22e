import ArgumentParser
import Testing
@testable import CorralCLI

@Suite("client command parsing")
struct ClientCommandTests {
    func parse<Command: ParsableCommand>(_ arguments: [String], as type: Command.Type) throws -> Command {
        try #require(try Corral.parseAsRoot(arguments) as? Command)
    }

    @Test func logsTakesNomadsSingleDashFlagsAndGNUOnes() throws {
        let nomad = try parse(["alloc", "logs", "-f", "-stderr", "-tail", "-n", "5", "1a2b", "web"], as: AllocLogs.self)
        #expect(nomad.follow && nomad.stderr && nomad.tail && nomad.lines == 5)
        #expect(nomad.alloc == "1a2b" && nomad.task == "web")
        let gnu = try parse(["alloc", "logs", "--follow", "--stderr", "--address", "/tmp/a.sock", "1a2b"], as: AllocLogs.self)
        #expect(gnu.follow && gnu.stderr && gnu.task == nil && gnu.agent.address == "/tmp/a.sock")
    }

    /// `-detach` once read as the short flags -d -e -t -a -c -h: the help, exit 0, nothing submitted.
    @Test func jobAndAllocVerbsTakeNomadsSingleDashLongFlags() throws {
        let run = try parse(["job", "run", "-detach", "-json", "-address", "/tmp/a.sock", "-token", "t", "-check-index", "3", "-"],
                            as: JobRun.self)
        #expect(run.detach && run.json && run.agent.address == "/tmp/a.sock" && run.agent.token == "t" && run.checkIndex == 3)
        #expect(run.jobFile == "-")
        let stop = try parse(["job", "stop", "-purge", "-detach", "-json", "web"], as: JobStop.self)
        #expect(stop.purge && stop.detach && stop.json && stop.job == "web")
        #expect(try parse(["job", "status", "-json"], as: JobStatus.self).json)
        #expect(try parse(["alloc", "status", "-json", "1a2b"], as: AllocStatusCommand.self).json)
        let allocStop = try parse(["alloc", "stop", "-detach", "-json", "1a2b"], as: AllocStop.self)
        #expect(allocStop.detach && allocStop.json)
    }

    @Test func execTakesTheCommandAfterTheTerminator() throws {
        let exec = try parse(["alloc", "exec", "-it", "1a2b", "server", "--", "sh", "-c", "echo hi"], as: AllocExec.self)
        #expect(exec.interactive && exec.tty && exec.alloc == "1a2b" && exec.task == "server")
        #expect(exec.command == ["sh", "-c", "echo hi"])
        let plain = try parse(["alloc", "exec", "1a2b", "--", "ls"], as: AllocExec.self)
        #expect(!plain.interactive && !plain.tty && plain.task == nil && plain.command == ["ls"])
        #expect(throws: (any Error).self) { try Corral.parseAsRoot(["alloc", "exec", "1a2b"]) }
    }

    @Test func signalDefaultsToSIGKILLAsNomads() throws {
        #expect(try parse(["alloc", "signal", "1a2b"], as: AllocSignal.self).signal == "SIGKILL")
        #expect(try parse(["alloc", "signal", "-s", "SIGHUP", "1a2b", "web"], as: AllocSignal.self).signal == "SIGHUP")
    }

    @Test func jobVerbsSitNextToInit() throws {
        #expect(try parse(["job", "init"], as: JobInit.self).file == "example.hcl")
        let run = try parse(["job", "run", "--detach", "--json", "web.hcl"], as: JobRun.self)
        #expect(run.detach && run.json && run.jobFile == "web.hcl")
        #expect(try parse(["job", "status"], as: JobStatus.self).job == nil)
        let stop = try parse(["job", "stop", "--purge", "web"], as: JobStop.self)
        #expect(stop.purge && !stop.detach && stop.job == "web")
        _ = try parse(["node", "status", "--json"], as: NodeStatus.self)
        _ = try parse(["alloc-run", "--restore", "x"], as: AllocRun.self)
    }
}
