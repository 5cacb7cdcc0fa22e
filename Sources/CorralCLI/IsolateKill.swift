import ArgumentParser
import CorralRunner
#if canImport(Glibc)
import Glibc
#endif

/// `corral kill ID [SIGNAL]` (or `-s SIGNAL`, as docker and podman take it): signals a running task of
/// `corral isolate` (`IsolateSignal` says how).
struct IsolateKill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kill", abstract: "Send a signal to a task of corral isolate (default SIGTERM).",
        discussion: """
            HUP, INT, QUIT, TERM, USR1, USR2, ALRM, CONT and WINCH go to the task's supervisor, which \
            forwards them to the task; KILL kills every process of the task (its cgroup); any other \
            signal goes to the task's main process. A task that is pid 1 of its own pid namespace (the \
            default) ignores the signals it has no handler for, KILL and STOP aside, as any init does.
            Exit status: 0 when the signal was sent; 2 for an unknown signal or an id prefix that names \
            several tasks; 3 when no task has the id or the task is not running; 125 when the signal \
            could not be sent.
            """)

    @OptionGroup var root: IsolateStateRoot

    @Argument(help: ArgumentHelp("The task's id (corral ps shows it) or a unique prefix of it.", valueName: "id"))
    var id: String

    @Argument(help: ArgumentHelp("The signal: a name (SIGTERM, TERM) or a number.", valueName: "signal"))
    var positionalSignal: String?

    @Option(name: [.customShort("s"), .customLong("signal")],
            help: ArgumentHelp("The signal, as docker and podman take it (instead of the argument).", valueName: "signal"))
    var signalOption: String?

    /// The signal asked for, whichever way; SIGTERM when none.
    var signal: String { signalOption ?? positionalSignal ?? "SIGTERM" }

    /// An unknown signal, or one given both ways, is a usage error before any task is looked at (exit 2).
    func validate() throws {
        if let signalOption, let positionalSignal {
            throw ValidationError("the signal is given twice: --signal \(signalOption) and \(positionalSignal)")
        }
        _ = try SignalArgument.number(signal, given: "signal")
    }

    func run() throws {
        let number = try SignalArgument.number(signal, given: "signal")
        let task = try IsolateTasks.find(id, root: root.path)
        guard task.state == .running, let record = task.record, let supervisorPidfd = task.openSupervisorPidfd() else {
            throw CLIFailure("task \(task.id) is not running (\(task.state.text))", exitStatus: CLIExit.notFound)
        }
        defer { close(supervisorPidfd) }
        try IsolateSignal.send(number, to: record, supervisorPidfd: supervisorPidfd)
        Output.write("==> Sent \(SignalName.name(number)) to task \(task.id)\n")
    }
}
