import ArgumentParser
import Foundation

/// `corral prune [--json] [ID...]`: removes what ended isolate tasks left behind (`IsolateTaskRemover`).
struct IsolatePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove the state directories and cgroups of ended tasks of corral isolate.",
        discussion: """
            A task has ended when it exited, was killed, or is gone (its supervisor died without \
            recording an exit). Its state directory (records and logs) is removed, with what is left of \
            its cgroup (processes killed, directories removed) and any mount left on the directory. \
            Tasks that may be running are kept, and so are those whose corral isolate still runs (it \
            removes the directory itself). With ids, only those tasks.
            Exit status: 0; 2 when an id prefix names several tasks; 3 when no task has an id given; \
            125 when something could not be removed, or a task named is not one to remove (the others \
            are removed all the same).
            """)

    @OptionGroup var root: IsolateStateRoot

    @Flag(help: "Print what was removed as a JSON array: id, state, state_dir, cgroups, unmounted, error.")
    var json = false

    @Argument(help: ArgumentHelp("Only these tasks (ids or unique prefixes).", valueName: "id"))
    var ids: [String] = []

    func run() throws {
        let tasks = try IsolateTasks.list(root: root.path)
        var chosen: [IsolateTask] = []
        for id in ids {
            let task = try IsolateTasks.match(id, in: tasks)
            if !chosen.contains(where: { $0.id == task.id }) { chosen.append(task) }
        }
        if ids.isEmpty { chosen = tasks }
        var rows: [Row] = []
        var failed = false
        for task in chosen {
            if let refusal = IsolateTaskRemover.refusal(task) {
                if !ids.isEmpty {
                    Output.write("corral: kept \(task.id): \(refusal)\n", to: 2)
                    failed = true
                }
                continue
            }
            let outcome = IsolateTaskRemover.remove(task)
            if let error = outcome.error {
                Output.write("corral: cannot remove \(task.id): \(error)\n", to: 2)
                failed = true
            }
            rows.append(Row(id: task.id, state: task.state.text, stateDir: task.path, outcome: outcome))
        }
        if json { try AgentCall.printJSON(rows) } else { Output.write(Self.render(rows)) }
        if failed { throw ExitCode(CLIExit.corralFailed) }
    }

    /// `Removed 1a2b3c4d5e6f (exited 0): /run/corral/isolate/1a2b3c4d5e6f, 3 cgroup directories`, one
    /// line per task removed.
    static func render(_ rows: [Row]) -> String {
        let removed = rows.filter(\.outcome.stateDirectoryRemoved)
        guard !removed.isEmpty else { return "Nothing to remove\n" }
        return removed.map { row in
            var parts = [row.stateDir]
            let cgroups = row.outcome.cgroups.count
            if cgroups > 0 { parts.append("\(cgroups) cgroup director\(cgroups == 1 ? "y" : "ies")") }
            if !row.outcome.unmounted.isEmpty { parts.append("unmounted " + row.outcome.unmounted.joined(separator: ", ")) }
            return "Removed \(IsolatePs.printable(row.id)) (\(IsolatePs.printable(row.state))): "
                + parts.joined(separator: ", ") + "\n"
        }.joined()
    }

    /// One task prune acted on.
    struct Row: Encodable {
        var id: String
        var state: String
        var stateDir: String
        var outcome: IsolateTaskRemover.Outcome

        enum CodingKeys: String, CodingKey {
            case id, state, cgroups, unmounted, error, removed
            case stateDir = "state_dir"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(state, forKey: .state)
            try container.encode(stateDir, forKey: .stateDir)
            try container.encode(outcome.stateDirectoryRemoved, forKey: .removed)
            try container.encode(outcome.cgroups, forKey: .cgroups)
            try container.encode(outcome.unmounted, forKey: .unmounted)
            try container.encode(outcome.error, forKey: .error)
        }
    }
}
