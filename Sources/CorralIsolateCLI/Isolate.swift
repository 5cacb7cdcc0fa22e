import CorralCgroups
import CorralIsolation
import CorralResourceTypes

/// `corral isolate [OPTIONS] [--] CMD [ARGS...]`: run one command in its own namespaces and root.
///
/// The options as parsed; `IsolateOptionTable` lists them (names, values, help) and `IsolateParser`
/// fills this value from the command line. Parsed by hand, not by ArgumentParser: its reflection cost
/// about 3.3 ms of CPU per start, a quarter of the whole of `corral isolate -- /bin/true`, and it links
/// FoundationEssentials into the lean executable (docs/benchmarks.md).
package struct Isolate: Equatable {
    package static let abstract = "Run one command isolated: new mount, pid, uts, ipc, net and cgroup namespaces, its own root."
    package static let discussion = """
        The exit status is the command's; 128+N when a signal N killed it; 125 when corral could \
        not start it; 126 when it cannot be executed; 127 when it is not found; 2 for usage errors.
        """

    var rootfs: String?
    var net: NetworkMode = .none
    var pid: NamespaceSharing = .private
    var ipc: NamespaceSharing = .private
    var hostname: String?
    var env: [String] = []
    var workdir: String = "/"
    var user: String?
    var bind: [BindMount] = []
    var tmpfs: [TmpfsMount] = []
    var rlimit: [String] = []
    var capAdd: [String] = []
    var capDrop: [String] = []
    var device: [DeviceMapping] = []
    var seccomp: String = "default"
    var stateDir: String?
    var logMaxSize: String = "10m"
    var logMaxFiles: Int = 10
    var noTTY = false
    /// `--init`: the command runs under corral-init (PID 1), not as PID 1 itself.
    var initProcess = false
    var memory: String?
    var memoryReservation: String?
    var memorySwap: String?
    var cpuShares: UInt64?
    var cpus: String?
    var pids: String?
    var cpuset: String?
    var cgroupParent: String = "corral"
    var stats = false
    var noCgroup = false
    /// The command and its arguments (everything from the first argument that is not an option, or
    /// after `--`).
    var command: [String] = []

    package init() {}

    /// The command as given (kept for the tests' and callers' reading; `--` is never part of it).
    var commandLine: [String] { command }

    /// What parsing alone cannot check: values that depend on each other, and the ones checked by the
    /// layers below. Every failure names its option and value.
    func validate() throws(IsolateUsage) {
        guard let first = command.first, !first.isEmpty else {
            throw .invalid("no command given: corral isolate [OPTIONS] -- CMD [ARGS...]")
        }
        for text in rlimit {
            do { _ = try ResourceLimit.parse(text) } catch { throw .invalid(error.description) }
        }
        guard let logSize = parseByteSize(logMaxSize), logSize <= Self.maximumLogFileSize else {
            throw .invalid("--log-max-size \"\(logMaxSize)\": expected a size like 512k, 10m or 1g, "
                           + "at most \(ByteCount.describe(Self.maximumLogFileSize))")
        }
        guard (1...1000).contains(logMaxFiles) else {
            throw .invalid("--log-max-files \"\(logMaxFiles)\": expected 1 to 1000")
        }
        let limits: CgroupLimits
        do { limits = try cgroupLimits() } catch { throw .invalid(error.description) }
        if noCgroup && (!limits.isEmpty || stats) {
            throw .invalid("--no-cgroup: cannot be combined with cgroup limits or --stats")
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
        spec.deviceConfinement = !noCgroup
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

    /// Runs the task in the foreground and returns corral's exit status.
    func execute() -> Int32 {
        if let refusal = RootRequirement.refusal("isolate", alternatives: []) {
            printError(refusal)
            return 125
        }
        return IsolateRun(options: self).run()
    }
}
