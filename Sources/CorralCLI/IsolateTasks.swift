import ArgumentParser
import CorralHostFS
import Foundation

/// The hidden `--state-root` of `ps`, `logs`, `kill` and `prune`: where `corral isolate` keeps its
/// tasks' state directories (tests give their own).
struct IsolateStateRoot: ParsableArguments {
    @Option(name: .customLong("state-root"),
            help: ArgumentHelp("Where corral isolate's state directories are.", valueName: "dir", visibility: .hidden))
    var path: String = IsolateTasks.defaultRoot
}

/// The tasks of `corral isolate` under a state root, and the one an id names.
enum IsolateTasks {
    /// Where `corral isolate` makes a task's state directory when `--state-dir` names none.
    static let defaultRoot = "/run/corral/isolate"

    /// Every task under `root`, oldest first; none when the root does not exist.
    static func list(root: String) throws(CLIFailure) -> [IsolateTask] {
        let directory: HostDirectory
        do { directory = try HostDirectory.open(trusted: root) } catch {
            if error.isMissing { return [] }
            throw CLIFailure(error.description)
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: root) } catch {
            throw CLIFailure("cannot list \(root): \(error.localizedDescription)")
        }
        // Temporary files (`.name`) are nobody's task. Directories without a readable record last.
        let tasks = names.filter { !$0.hasPrefix(".") }.map { IsolateTask.load($0, in: directory) }
        let order = { (task: IsolateTask) in (task.record == nil ? 1 : 0, task.record?.startedAt ?? "", task.id) }
        return tasks.sorted { order($0) < order($1) }
    }

    /// The task whose id is `query` or starts with it: exit status 3 when there is none, 2 when the
    /// prefix names several (the message lists them).
    static func find(_ query: String, root: String) throws(CLIFailure) -> IsolateTask {
        try match(query, in: list(root: root))
    }

    static func match(_ query: String, in tasks: [IsolateTask]) throws(CLIFailure) -> IsolateTask {
        if let exact = tasks.first(where: { $0.id == query }) { return exact }
        let matches = query.isEmpty ? [] : tasks.filter { $0.id.hasPrefix(query) }
        switch matches.count {
        case 1: return matches[0]
        case 0: throw CLIFailure("no isolate task \"\(query)\" (corral ps --all lists them)", exitStatus: CLIExit.notFound)
        default:
            throw CLIFailure("\"\(query)\" names \(matches.count) tasks: \(matches.map(\.id).joined(separator: ", ")); "
                             + "give more of the id", exitStatus: CLIExit.usage)
        }
    }
}
