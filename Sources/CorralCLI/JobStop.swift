import ArgumentParser
import CorralAPI
import CorralClient
import Foundation

/// `corral job stop JOB`: stops a job's allocations and, unless `--detach`, waits until they have.
struct JobStop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a job's allocations (and wait until they have stopped).")

    @OptionGroup var agent: AgentOptions

    @Argument(help: ArgumentHelp("The job's id.", valueName: "job"))
    var job: String

    @Flag(name: [.long, .customLong("purge", withSingleDash: true)], help: "Also remove the job, its allocations and their state from the agent.")
    var purge = false

    @Flag(name: [.long, .customLong("detach", withSingleDash: true)], help: "Return at once instead of waiting until every allocation has stopped.")
    var detach = false

    @Flag(name: [.long, .customLong("json", withSingleDash: true)], help: "Print the agent's answer as JSON (and, waiting, each event as a JSON line).")
    var json = false

    func run() throws {
        let client = try agent.client()
        let (job, purge, detach, json) = (self.job, self.purge, self.detach, self.json)
        try AgentCall.run {
            let stopped = try await client.stopJob(job, purge: purge)
            if json {
                try AgentCall.printJSON(stopped, pretty: detach)
            } else {
                let ids = stopped.allocations.map { String($0.prefix(8)) }.joined(separator: " ")
                Output.write("==> \(purge ? "Purging" : "Stopping") job \(stopped.jobID)"
                             + (ids.isEmpty ? "\n" : ": allocations \(ids)\n"))
            }
            // Purged allocations are gone: nothing to wait for.
            guard !detach, !stopped.purged, !stopped.allocations.isEmpty else { return }
            let watcher = AllocationWatcher(client: client, json: json, color: !json && Output.color())
            _ = try await watcher.watch(stopped.allocations, until: .terminal)
            if !json { Output.write("==> Job \(stopped.jobID) stopped\n") }
        }
    }
}
