import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `corral logs [-f] [--stderr] ID`: an isolate task's output from its start, as its supervisor
/// logged it (`stdout.log`, `stderr.log` and their rotations in the state directory).
struct IsolateLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print the output of a task of corral isolate, optionally following it.",
        discussion: """
            Prints the task's stdout log from its start (the rotated files first), or its stderr log; \
            -f keeps printing as the task writes until it has ended (its supervisor has exited).
            Exit status: 0; 2 when the id prefix names several tasks; 3 when no task has the id; 125 \
            when the log cannot be read.
            """)

    @OptionGroup var root: IsolateStateRoot

    @Flag(name: [.customShort("f"), .customLong("follow")], help: "Keep printing as the task writes, until it has ended.")
    var follow = false

    @Flag(help: "Print the stderr log instead of the stdout log.")
    var stderr = false

    @Argument(help: ArgumentHelp("The task's id (corral ps shows it) or a unique prefix of it.", valueName: "id"))
    var id: String

    func run() throws {
        let task = try IsolateTasks.find(id, root: root.path)
        guard let directory = task.directory else {
            throw CLIFailure("cannot read the logs of \(task.id): \(task.state.text)")
        }
        var reader = IsolateLogReader(directory: directory, name: stderr ? "stderr.log" : "stdout.log") { Output.write($0) }
        if follow, let pidfd = task.openSupervisorPidfd() {
            defer { close(pidfd) }
            _ = reader.follow(supervisorPidfd: pidfd)
        } else {
            _ = reader.copyNow()
        }
    }
}
