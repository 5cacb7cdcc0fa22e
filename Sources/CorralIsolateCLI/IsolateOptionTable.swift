import CorralCgroups
import CorralIsolation
import CorralResourceTypes

/// One option of `corral isolate`: its long name, the name of its value (nil: a flag), its help, and
/// what it does to the options being parsed (a value it cannot take is refused by `apply`, which names
/// the option and the value).
struct IsolateOption: Sendable {
    let name: String
    let valueName: String?
    let help: String
    let apply: @Sendable (inout Isolate, String) throws(IsolateUsage) -> Void
}

/// Every option of `corral isolate`, in the order `--help` lists them: the one place an option is
/// declared. `IsolateParser` reads the command line against it and `IsolateHelp` prints it.
enum IsolateOptionTable {
    static let options: [IsolateOption] = [
        value("rootfs", "dir", "An unpacked image to use as the root (default: a read-only chroot of the host's /bin /lib /lib32 /lib64 /sbin /usr, with a generated /etc).") { $0.rootfs = $1 },
        choice("net", "Network: none (own namespace, only lo) or host.", NetworkMode.self) { $0.net = $1 },
        choice("pid", "Pid namespace: private or host.", NamespaceSharing.self) { $0.pid = $1 },
        choice("ipc", "IPC namespace: private or host.", NamespaceSharing.self) { $0.ipc = $1 },
        value("hostname", "hostname", "Hostname inside the task (default: corral-<id>).") { $0.hostname = $1 },
        value("env", "key=value", "Set an environment variable (repeatable).") { $0.env.append($1) },
        value("workdir", "workdir", "Working directory inside the task.") { $0.workdir = $1 },
        value("user", "user[:group]", "Run as this user (name or uid, optionally :group or :gid), looked up in the task's /etc.") { $0.user = $1 },
        parsed("bind", "src:dst[:ro]", "Bind a host path into the task (repeatable).", BindMount.init(argument:)) { $0.bind.append($1) },
        parsed("tmpfs", "dst[:size|:size=S,mode=M]", "Mount a tmpfs in the task (repeatable; size like 64m, or size=64m,mode=700).", TmpfsMount.init(argument:)) { $0.tmpfs.append($1) },
        value("rlimit", "name=soft[:hard]", "Set an rlimit (repeatable), e.g. nofile=1024:4096.") { $0.rlimit.append($1) },
        value("cap-add", "cap", "Give the task a capability beyond Docker's default set (repeatable or comma-separated; all for every one).") { $0.capAdd.append($1) },
        parsed("device", "host[:container[:perms]]", "Give the task a host device (repeatable): the node appears under /dev with the same numbers, and the device cgroup allows it (perms: some of r, w, m; default rwm).", DeviceMapping.init(argument:)) { $0.device.append($1) },
        value("seccomp", "profile", "Seccomp profile: default (an allow-list at least as strict as Docker's), unconfined (no filter), or a profile file in Docker's JSON format.") { $0.seccomp = $1 },
        value("cap-drop", "cap", "Take a capability from the task (repeatable or comma-separated; all for every one).") { $0.capDrop.append($1) },
        value("state-dir", "dir", "Keep the task's state (exit.json, logs) here (default: a directory under /run/corral/isolate, removed afterwards).") { $0.stateDir = $1 },
        value("log-max-size", "size", "Rotate stdout.log and stderr.log at this size (like 10m).") { $0.logMaxSize = $1 },
        parsed("log-max-files", "n", "Log files kept per stream, the current one included.", expected: "1 to 1000", { Int($0) }) { $0.logMaxFiles = $1 },
        flag("init", "Run corral's small init as the task's PID 1: it forwards signals to the command and reaps orphans (a command that is PID 1 ignores signals it has no handler for).") { $0.initProcess = true },
        flag("no-tty", "Do not give the task a terminal even when corral has one.") { $0.noTTY = true },
        value("memory", "size", "Memory limit (like 64m or 1g): beyond it the task is OOM-killed. Swap is off unless --memory-swap.") { $0.memory = $1 },
        value("memory-reservation", "size", "Memory kept for the task under host memory pressure (soft; at most --memory).") { $0.memoryReservation = $1 },
        value("memory-swap", "size", "Memory plus swap the task may use (at least --memory), or -1 for unlimited swap.") { $0.memorySwap = $1 },
        parsed("cpu-shares", "n", "Relative CPU weight under contention (2 to 262144; 1024 is the default task's).", expected: "2 to 262144", { UInt64($0) }) { $0.cpuShares = $1 },
        value("cpus", "cpus", "Hard CPU limit in CPUs, like 0.5 or 1.5 (a CFS quota per 100 ms period).") { $0.cpus = $1 },
        value("pids", "n", "Most processes and threads the task may have at once (default 2048; 0 or max: no limit).") { $0.pids = $1 },
        value("cpuset", "list", "CPUs the task may run on, like 0-1 or 0,2.") { $0.cpuset = $1 },
        value("cgroup-parent", "path", "The cgroup the task's cgroup is created under, relative to each hierarchy's root.") { $0.cgroupParent = $1 },
        flag("stats", "Print the task's peak memory, CPU time and throttled time on stderr when it ends.") { $0.stats = true },
        flag("no-cgroup", "Run without a cgroup of its own: no limits, no stats, no OOM report, no device confinement, and orphans of a --pid host task are not killed.") { $0.noCgroup = true },
    ]

    /// The option named `name` (without its dashes).
    static func option(named name: Substring) -> IsolateOption? {
        options.first { $0.name == name }
    }

    /// An option taking any string.
    static func value(_ name: String, _ valueName: String, _ help: String,
                      _ set: @escaping @Sendable (inout Isolate, String) -> Void) -> IsolateOption {
        IsolateOption(name: name, valueName: valueName, help: help) { options, text throws(IsolateUsage) in set(&options, text) }
    }

    /// An option whose value `parse` turns into a `Value`, or refuses (nil).
    static func parsed<Value>(_ name: String, _ valueName: String, _ help: String, expected: String? = nil,
                              _ parse: @escaping @Sendable (String) -> Value?,
                              _ set: @escaping @Sendable (inout Isolate, Value) -> Void) -> IsolateOption {
        IsolateOption(name: name, valueName: valueName, help: help) { options, text throws(IsolateUsage) in
            guard let value = parse(text) else {
                throw .invalid("--\(name) \"\(text)\": expected \(expected ?? valueName)")
            }
            set(&options, value)
        }
    }

    /// An option taking one of an enumeration's values.
    static func choice<Value: RawRepresentable & CaseIterable>(
        _ name: String, _ help: String, _: Value.Type, _ set: @escaping @Sendable (inout Isolate, Value) -> Void
    ) -> IsolateOption where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue)
        return IsolateOption(name: name, valueName: names.joined(separator: "|"), help: help) { options, text throws(IsolateUsage) in
            guard let value = Value(rawValue: text) else {
                throw .invalid("--\(name) \"\(text)\": expected one of \(names.joined(separator: ", "))")
            }
            set(&options, value)
        }
    }

    /// A flag: it takes no value.
    static func flag(_ name: String, _ help: String, _ set: @escaping @Sendable (inout Isolate) -> Void) -> IsolateOption {
        IsolateOption(name: name, valueName: nil, help: help) { options, _ throws(IsolateUsage) in set(&options) }
    }
}
