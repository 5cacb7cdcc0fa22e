import ArgumentParser
import CorralCgroups
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

    @Option(help: ArgumentHelp("An unpacked image to use as the root (default: a read-only chroot of the host's /bin /lib /lib32 /lib64 /sbin /usr, with a generated /etc).", valueName: "dir"))
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

    @Option(parsing: .unconditional, help: ArgumentHelp("Run as this user (name or uid, optionally :group or :gid), looked up in the task's /etc.", valueName: "user[:group]"))
    var user: String?

    @Option(help: ArgumentHelp("Bind a host path into the task (repeatable).", valueName: "src:dst[:ro]"))
    var bind: [BindMount] = []

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Mount a tmpfs in the task (repeatable; size like 64m, or size=64m,mode=700).", valueName: "dst[:size|:size=S,mode=M]"))
    var tmpfs: [TmpfsMount] = []

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Set an rlimit (repeatable), e.g. nofile=1024:4096.", valueName: "name=soft[:hard]"))
    var rlimit: [String] = []

    @Option(name: .customLong("cap-add"), help: ArgumentHelp("Give the task a capability beyond Docker's default set (repeatable or comma-separated; all for every one).", valueName: "cap"))
    var capAdd: [String] = []

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Give the task a host device (repeatable): the node appears under /dev with the same numbers, and the device cgroup allows it (perms: some of r, w, m; default rwm).", valueName: "host[:container[:perms]]"))
    var device: [DeviceMapping] = []

    @Option(help: ArgumentHelp("Seccomp profile: default (an allow-list at least as strict as Docker's), unconfined (no filter), or a profile file in Docker's JSON format.", valueName: "profile"))
    var seccomp: String = "default"

    @Option(name: .customLong("cap-drop"), help: ArgumentHelp("Take a capability from the task (repeatable or comma-separated; all for every one).", valueName: "cap"))
    var capDrop: [String] = []

    @Option(help: ArgumentHelp("Keep the task's state (exit.json, logs) here (default: a directory under /run/corral/isolate, removed afterwards).", valueName: "dir"))
    var stateDir: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Rotate stdout.log and stderr.log at this size (like 10m).", valueName: "size"))
    var logMaxSize: String = "10m"

    @Option(parsing: .unconditional, help: ArgumentHelp("Log files kept per stream, the current one included.", valueName: "n"))
    var logMaxFiles: Int = 10

    @Flag(name: .customLong("no-tty"), help: "Do not give the task a terminal even when corral has one.")
    var noTTY = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Memory limit (like 64m or 1g): beyond it the task is OOM-killed. Swap is off unless --memory-swap.", valueName: "size"))
    var memory: String?

    @Option(name: .customLong("memory-reservation"), parsing: .unconditional, help: ArgumentHelp("Memory kept for the task under host memory pressure (soft; at most --memory).", valueName: "size"))
    var memoryReservation: String?

    @Option(name: .customLong("memory-swap"), parsing: .unconditional, help: ArgumentHelp("Memory plus swap the task may use (at least --memory), or -1 for unlimited swap.", valueName: "size"))
    var memorySwap: String?

    @Option(name: .customLong("cpu-shares"), parsing: .unconditional, help: ArgumentHelp("Relative CPU weight under contention (2 to 262144; 1024 is the default task's).", valueName: "n"))
    var cpuShares: UInt64?

    @Option(parsing: .unconditional, help: ArgumentHelp("Hard CPU limit in CPUs, like 0.5 or 1.5 (a CFS quota per 100 ms period).", valueName: "cpus"))
    var cpus: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Most processes and threads the task may have at once.", valueName: "n"))
    var pids: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("CPUs the task may run on, like 0-1 or 0,2.", valueName: "list"))
    var cpuset: String?

    @Option(name: .customLong("cgroup-parent"), help: ArgumentHelp("The cgroup the task's cgroup is created under, relative to each hierarchy's root.", valueName: "path"))
    var cgroupParent: String = "corral"

    @Flag(help: "Print the task's peak memory, CPU time and throttled time on stderr when it ends.")
    var stats = false

    @Flag(name: .customLong("no-cgroup"), help: "Run without a cgroup of its own: no limits, no stats, no OOM report, no device confinement, and orphans of a --pid host task are not killed.")
    var noCgroup = false

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
        guard let logSize = parseByteSize(logMaxSize), logSize <= Self.maximumLogFileSize else {
            throw ValidationError("--log-max-size \"\(logMaxSize)\": expected a size like 512k, 10m or 1g, "
                                  + "at most \(ByteCount.describe(Self.maximumLogFileSize))")
        }
        guard (1...1000).contains(logMaxFiles) else {
            throw ValidationError("--log-max-files \"\(logMaxFiles)\": expected 1 to 1000")
        }
        let limits: CgroupLimits
        do { limits = try cgroupLimits() } catch { throw ValidationError(error.description) }
        if noCgroup && (!limits.isEmpty || stats) {
            throw ValidationError("--no-cgroup: cannot be combined with cgroup limits or --stats")
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
        let split = { (values: [String]) in values.flatMap { $0.split(separator: ",").map(String.init) } }
        spec.capabilities = CapabilityRequest(add: split(capAdd), drop: split(capDrop))
        spec.seccompProfile = try ProfileLocator.seccomp(seccomp)
        spec.devices = device
        spec.terminal = terminal
        if let term { spec.term = term }
        return spec
    }

    /// The largest log file size before rotation.
    static let maximumLogFileSize: UInt64 = 1 << 40

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
