import ArgumentParser
import CorralAPI
import CorralClient
import Foundation

/// `corral alloc exec [-i] [-t] ID [TASK] -- CMD ARGS...`: runs a command in a running task and
/// exits with its exit code.
struct AllocExec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a command inside a running task.",
        discussion: """
            Example: corral alloc exec -i -t 1a2b3c4d server -- /bin/sh
            Exit status: the command's own (126 when it cannot be executed, 127 when it is not found, 128+N \
            when signal N killed it); 125 when corral or the agent fails (no agent, no such allocation, the \
            task is not running): every other status is the command's.
            """)

    @OptionGroup var agent: AgentOptions

    @Flag(name: [.customShort("i"), .customLong("stdin")], help: "Pass this process's stdin to the command.")
    var interactive = false

    @Flag(name: [.customShort("t"), .customLong("tty")], help: "Give the command a terminal (this one in raw mode meanwhile).")
    var tty = false

    @Argument(help: ArgumentHelp("The allocation's id or a unique prefix of it.", valueName: "alloc"))
    var alloc: String

    @Argument(help: ArgumentHelp("The task (needed when the allocation has several).", valueName: "task"))
    var task: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("no command: give it after --, e.g. corral alloc exec \(alloc) -- /bin/sh") }
    }

    func run() throws {
        let client = try agent.client(commandStatus: true)
        let terminal = RawTerminal()
        let sizes = tty ? terminal.sizes() : nil
        let stdin = interactive ? StdinPump.start() : nil
        if tty { terminal.enter() }
        defer { terminal.finish() }
        let (alloc, task, command, tty) = (self.alloc, self.task, self.command, self.tty)
        let code = try AgentCall.run(commandStatus: true) {
            try await client.exec(alloc: alloc, task: task, command: command, tty: tty, stdin: stdin,
                                  terminalSizes: sizes) { stream, bytes in
                Output.write(bytes, to: stream == .stdout ? 1 : 2)
            }
        }
        terminal.finish()
        if code != 0 { throw ExitCode(code) }
    }
}
