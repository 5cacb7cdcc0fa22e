import ArgumentParser
import CorralAPI
import CorralClient
import Foundation

/// `corral node ...`: the node the agent runs.
struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Inspect the agent's node.", subcommands: [NodeStatus.self])
}

/// `corral node status`: the node, its drivers, its capacity and what is allocated.
struct NodeStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the node: drivers, capacity, reserved resources, allocations.")

    @OptionGroup var agent: AgentOptions

    @Flag(help: "Print the agent's answer as JSON.")
    var json = false

    func run() throws {
        let client = try agent.client()
        let json = self.json
        try AgentCall.run {
            let node = try await client.node()
            if json { try AgentCall.printJSON(node) } else { Output.write(Self.render(node)) }
        }
    }

    static func render(_ response: NodeResponse) -> String {
        let node = response.node, counts = response.allocations
        func total(_ value: Int?, _ unit: String) -> String { value.map { "\($0) \(unit)" } ?? "unknown" }
        var text = TextTable.keyValues([
            ("Name", node.name), ("ID", node.id), ("Datacenter", node.datacenter), ("Region", node.region),
            ("Memory", "\(response.reservedMemoryMiB) MiB reserved of \(total(response.memoryMiB, "MiB"))"),
            ("CPU", "\(response.reservedCPUMHz) MHz reserved of \(total(response.cpuMHz, "MHz"))"),
            ("Allocations", "\(counts.pending) pending, \(counts.running) running, \(counts.complete) complete, "
                + "\(counts.failed) failed"),
        ])
        text += "\nDrivers\n"
        var table = TextTable(["Driver", "Detected", "Healthy", "Description"])
        for (name, driver) in response.drivers.sorted(by: { $0.key < $1.key }) {
            table.append([name, String(driver.detected), String(driver.healthy), driver.description])
        }
        text += response.drivers.isEmpty ? "No drivers\n" : table.render()
        if let problems = response.problems, !problems.isEmpty {
            text += "\nDegraded\n" + problems.map { "  \($0)\n" }.joined()
        }
        return text
    }
}
