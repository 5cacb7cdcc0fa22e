import ArgumentParser
import CorralAPI
import CorralClient
import Foundation

/// `corral alloc signal [-s SIGNAL] ID [TASK]`.
struct AllocSignal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal", abstract: "Send a signal to an allocation's task (default SIGKILL, as Nomad's).")

    @OptionGroup var agent: AgentOptions

    @Option(name: .short, help: ArgumentHelp("The signal: a name (SIGHUP, HUP) or a number.", valueName: "signal"))
    var signal: String = "SIGKILL"

    @Argument(help: ArgumentHelp("The allocation's id or a unique prefix of it.", valueName: "alloc"))
    var alloc: String

    @Argument(help: ArgumentHelp("The task (needed when the allocation has several).", valueName: "task"))
    var task: String?

    @Flag(name: [.long, .customLong("json", withSingleDash: true)], help: "Print the agent's answer as JSON.")
    var json = false

    /// An unknown signal is a usage error here, before the agent is asked (exit status 2).
    func validate() throws {
        _ = try SignalArgument.number(signal, given: "-s")
    }

    func run() throws {
        let client = try agent.client()
        let (alloc, task, signal, json) = (self.alloc, self.task, self.signal, self.json)
        try AgentCall.run {
            let done = try await client.signal(alloc: alloc, task: task, signal: signal)
            if json { try AgentCall.printJSON(done) } else {
                Output.write("==> Sent \(signal) to \(AllocActionText.tasks(done))\n")
            }
        }
    }
}

/// `corral alloc restart ID [TASK]`.
struct AllocRestart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Restart an allocation's task, or all of its tasks.")

    @OptionGroup var agent: AgentOptions

    @Argument(help: ArgumentHelp("The allocation's id or a unique prefix of it.", valueName: "alloc"))
    var alloc: String

    @Argument(help: ArgumentHelp("The task (none: every task).", valueName: "task"))
    var task: String?

    @Flag(name: [.long, .customLong("json", withSingleDash: true)], help: "Print the agent's answer as JSON.")
    var json = false

    func run() throws {
        let client = try agent.client()
        let (alloc, task, json) = (self.alloc, self.task, self.json)
        try AgentCall.run {
            let done = try await client.restart(alloc: alloc, task: task)
            if json { try AgentCall.printJSON(done) } else { Output.write("==> Restarting \(AllocActionText.tasks(done))\n") }
        }
    }
}

/// `corral alloc stop ID`: kills an allocation's tasks and, unless `--detach`, waits until it is terminal.
struct AllocStop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop an allocation (and wait until its tasks are dead).")

    @OptionGroup var agent: AgentOptions

    @Argument(help: ArgumentHelp("The allocation's id or a unique prefix of it.", valueName: "alloc"))
    var alloc: String

    @Flag(name: [.long, .customLong("detach", withSingleDash: true)], help: "Return at once instead of waiting until the allocation has stopped.")
    var detach = false

    @Flag(name: [.long, .customLong("json", withSingleDash: true)], help: "Print the agent's answer as JSON (and, waiting, each event as a JSON line).")
    var json = false

    func run() throws {
        let client = try agent.client()
        let (alloc, detach, json) = (self.alloc, self.detach, self.json)
        try AgentCall.run {
            let done = try await client.stopAllocation(alloc)
            if json { try AgentCall.printJSON(done, pretty: detach) } else {
                Output.write("==> Stopping \(AllocActionText.tasks(done))\n")
            }
            guard !detach else { return }
            let watcher = AllocationWatcher(client: client, json: json, color: !json && Output.color())
            let details = try await watcher.watch([done.allocID], until: .terminal)
            if !json, let detail = details.first {
                Output.write("==> Allocation \(detail.stub.id.prefix(8)) is \(detail.stub.clientStatus.rawValue)\n")
            }
        }
    }
}

enum AllocActionText {
    /// `allocation 1a2b3c4d (tasks web, db)`.
    static func tasks(_ response: AllocActionResponse) -> String {
        let tasks = response.tasks.sorted()
        let list = tasks.isEmpty ? "" : " (task\(tasks.count == 1 ? "" : "s") \(tasks.joined(separator: ", ")))"
        return "allocation \(response.allocID.prefix(8))\(list)"
    }
}
