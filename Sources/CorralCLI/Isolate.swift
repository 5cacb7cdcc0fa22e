import ArgumentParser
import CorralIsolation

/// `corral isolate [OPTIONS] -- CMD [ARGS...]`: run one command in its own namespaces and root.
public struct Isolate: ParsableCommand {
    public static let configuration = CommandConfiguration(
        // Both names are spelled out for start-up time: deriving the command name costs a demangle, and
        // `corral isolate` is parsed with `isolate` as a pseudo-root under super-command `corral`
        // (see CorralMain), which skips ArgumentParser's completion-script probe: 2.3 ms of CPU.
        commandName: "isolate",
        _superCommandName: "corral",
        abstract: "Run one command isolated: new mount, pid, uts, ipc, net and cgroup namespaces, its own root.",
        discussion: """
            The exit status is the command's; 128+N when a signal N killed it; 125 when corral could \
            not start it; 126 when it cannot be executed; 127 when it is not found; 2 for usage errors.
            """)

    @Option(help: ArgumentHelp("An unpacked image to use as the root (default: a read-only chroot of the host's /bin /etc /lib /lib32 /lib64 /sbin /usr).", valueName: "dir"))
    var rootfs: String?

    @Option(help: "Network: none (own namespace, only lo) or host.")
    var net: NetworkMode = .none

    @Option(help: "Pid namespace: private or host.")
    var pid: NamespaceSharing = .private

    @Option(help: "IPC namespace: private or host.")
    var ipc: NamespaceSharing = .private

    @Option(help: "Hostname inside the task (default: corral-<id>).")
    var hostname: String?

    @Option(name: .long, help: ArgumentHelp("Set an environment variable (repeatable).", valueName: "key=value"))
    var env: [String] = []

    @Option(help: "Working directory inside the task.")
    var workdir: String = "/"

    @Option(help: ArgumentHelp("Run as this user (name or uid, optionally :group or :gid), looked up in the task's /etc.", valueName: "user[:group]"))
    var user: String?

    @Option(help: ArgumentHelp("Bind a host path into the task (repeatable).", valueName: "src:dst[:ro]"))
    var bind: [BindMount] = []

    @Option(help: ArgumentHelp("Mount a tmpfs in the task (repeatable; size like 64m).", valueName: "dst[:size]"))
    var tmpfs: [TmpfsMount] = []

    @Option(help: ArgumentHelp("Set an rlimit (repeatable), e.g. nofile=1024:4096.", valueName: "name=soft[:hard]"))
    var rlimit: [String] = []

    @Option(help: ArgumentHelp("Keep the task's state (exit.json, logs) here (default: a directory under /run/corral/isolate, removed afterwards).", valueName: "dir"))
    var stateDir: String?

    @Option(help: ArgumentHelp("Rotate stdout.log and stderr.log at this size (like 10m).", valueName: "size"))
    var logMaxSize: String = "10m"

    @Option(help: ArgumentHelp("Log files kept per stream, the current one included.", valueName: "n"))
    var logMaxFiles: Int = 10

    @Flag(name: .customLong("no-tty"), help: "Do not give the task a terminal even when corral has one.")
    var noTTY = false

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command and its arguments.", valueName: "command"))
    var command: [String] = []

    public init() {}

    /// The command with a leading `--` separator removed.
    var commandLine: [String] {
        command.first == "--" ? Array(command.dropFirst()) : command
    }

    public func validate() throws {
        // The command is captured verbatim (its own flags belong to it), so a leading --help would be
        // taken for the command: answer it here. After `--` it is a command name like any other.
        if let first = command.first, first == "--help" || first == "-h" {
            throw CleanExit.helpRequest(self)
        }
        guard let first = commandLine.first, !first.isEmpty else {
            throw ValidationError("no command given: corral isolate [OPTIONS] -- CMD [ARGS...]")
        }
        for text in rlimit {
            do { _ = try ResourceLimit.parse(text) } catch { throw ValidationError(error.description) }
        }
        guard parseByteSize(logMaxSize) != nil else {
            throw ValidationError("--log-max-size \"\(logMaxSize)\": expected a size like 512k, 10m or 1g")
        }
        guard (1...1000).contains(logMaxFiles) else {
            throw ValidationError("--log-max-files \"\(logMaxFiles)\": expected 1 to 1000")
        }
    }

    /// The isolation request these options describe; `id` names the task.
    func spec(id: String, terminal: Bool, term: String?) throws(LaunchError) -> IsolationSpec {
        var spec = IsolationSpec(command: commandLine, hostname: hostname ?? "corral-\(id)")
        spec.rootfs = rootfs
        spec.namespaces = NamespaceSet(network: net, pid: pid, ipc: ipc)
        spec.environment = env
        spec.workdir = workdir
        spec.user = user
        spec.binds = bind
        spec.tmpfs = tmpfs
        spec.rlimits = try rlimit.map { (text: String) throws(LaunchError) in try ResourceLimit.parse(text) }
        spec.terminal = terminal
        if let term { spec.term = term }
        return spec
    }

    /// Log rotation for the supervisor (checked in validate()).
    var logRotation: LogRotation {
        LogRotation(maxFileBytes: Int(clamping: parseByteSize(logMaxSize) ?? 10 << 20), maxFiles: logMaxFiles)
    }

    public func run() throws {
        throw ExitCode(execute())
    }

    /// Runs the task in the foreground and returns corral's exit status.
    func execute() -> Int32 {
        IsolateRun(options: self).run()
    }
}
