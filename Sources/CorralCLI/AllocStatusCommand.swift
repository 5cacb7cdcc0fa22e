import ArgumentParser
import CorralAPI
import CorralClient
import CorralRunner
import Foundation

/// `corral alloc status ID`: one allocation, its tasks' states, usage and recent events.
struct AllocStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show an allocation: its status, and each task's state, usage and recent events.")

    @OptionGroup var agent: AgentOptions

    @Argument(help: ArgumentHelp("The allocation's id or a unique prefix of it.", valueName: "alloc"))
    var alloc: String

    @Flag(name: [.long, .customLong("json", withSingleDash: true)], help: "Print the agent's answer as JSON.")
    var json = false

    func run() throws {
        let client = try agent.client()
        let (alloc, json) = (self.alloc, self.json)
        try AgentCall.run {
            let detail = try await client.allocation(alloc)
            if json { try AgentCall.printJSON(detail) } else { Output.write(Self.render(detail)) }
        }
    }

    static func render(_ detail: AllocDetail, now: Date = Date()) -> String {
        let stub = detail.stub
        var text = TextTable.keyValues([
            ("ID", stub.id), ("Name", stub.name), ("Job", stub.jobID), ("Group", stub.taskGroup),
            ("Client Status", stub.clientDescription.isEmpty ? stub.clientStatus.rawValue
                : "\(stub.clientStatus.rawValue) (\(stub.clientDescription))"),
            ("Desired", stub.desiredStatus.rawValue), ("Created", CompactTime.format(stub.createTime, now: now)),
        ])
        for task in detail.taskStates.keys.sorted() {
            guard let state = detail.taskStates[task] else { continue }
            text += "\nTask \"\(task)\" is \"\(state.state.rawValue)\"\n"
            var pairs = [("Failed", String(state.failed)), ("Restarts", String(state.restarts)),
                         ("Started", CompactTime.format(state.startedAt, now: now)),
                         ("Finished", CompactTime.format(state.finishedAt, now: now))]
            let asked = detail.resources[task]
            if let usage = detail.resourceUsage[task] {
                pairs.append(("Memory (RSS)", mebibytes(usage.memory.rss) + (asked.map { " / \($0.memoryMiB) MiB" } ?? "")))
                pairs.append(("CPU", String(format: "%.1f%%", usage.cpu.percent) + (asked.map { " (\($0.cpuMHz) MHz asked)" } ?? "")))
            } else if let asked {
                pairs.append(("Resources", "\(asked.memoryMiB) MiB memory, \(asked.cpuMHz) MHz CPU (no usage reading)"))
            }
            text += TextTable.keyValues(pairs)
            if !state.events.isEmpty {
                text += "\nRecent Events:\n"
                var table = TextTable(["Time", "Type", "Description"])
                for event in state.events { table.append([CompactTime.format(event.time, now: now), event.type.rawValue, event.message]) }
                text += table.render()
            }
        }
        return text
    }

    static func mebibytes(_ bytes: UInt64) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}
