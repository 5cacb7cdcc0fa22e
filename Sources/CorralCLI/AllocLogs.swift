import ArgumentParser
import CorralClient
import Foundation

/// `corral alloc logs [-f] [-stderr] [-tail [-n N]] ID [TASK]`: copies a task's log to stdout as it arrives.
struct AllocLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print a task's stdout (or stderr) log, optionally following it.")

    @OptionGroup var agent: AgentOptions

    @Flag(name: [.customShort("f"), .customLong("follow")], help: "Keep printing as the task writes, until it is dead.")
    var follow = false

    @Flag(name: [.customLong("stderr"), .customLong("stderr", withSingleDash: true)], help: "Print stderr instead of stdout.")
    var stderr = false

    @Flag(name: [.customLong("tail"), .customLong("tail", withSingleDash: true)], help: "Start near the end of the log (see -n).")
    var tail = false

    @Option(name: .customShort("n"), help: ArgumentHelp("With -tail: how many lines from the end (default 10).", valueName: "lines"))
    var lines: Int?

    @Argument(help: ArgumentHelp("The allocation's id or a unique prefix of it.", valueName: "alloc"))
    var alloc: String

    @Argument(help: ArgumentHelp("The task (needed when the allocation has several).", valueName: "task"))
    var task: String?

    func validate() throws {
        if let lines, lines < 0 { throw ValidationError("-n must be 0 or more") }
    }

    func run() throws {
        let client = try agent.client()
        let (alloc, task, follow, type) = (self.alloc, self.task, self.follow, stderr ? "stderr" : "stdout")
        let tailLines: Int? = tail || lines != nil ? (lines ?? 10) : nil
        try AgentCall.run {
            // `-tail`: the agent starts at the N-th line from the end (across rotated files), so that
            // following continues from exactly there.
            let body = try await client.logs(alloc: alloc, task: task, type: type, follow: follow, lines: tailLines)
            do {
                for try await chunk in body {
                    // Whoever reads our output has gone (`| head`): so do we.
                    guard Output.write(chunk) else { return }
                }
            } catch let error as AgentClientError {
                throw error
            } catch {
                throw AgentClientError.protocolError("\(error)")
            }
        }
    }
}
