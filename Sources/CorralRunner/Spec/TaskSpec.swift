import CorralDriver

/// One task of a group, as the job file declares it (Nomad's `structs.Task`).
public struct TaskSpec: Codable, Equatable, Sendable {
    public var name: String
    /// The driver's name (`exec`, `raw_exec`, `mock`).
    public var driver: String
    /// The driver's `config` block; `${...}` in its strings is interpolated before the start.
    public var config: DriverConfig
    /// The task's own environment variables; `${...}` interpolated too.
    public var env: [String: String]
    public var meta: [String: String]
    /// `USER[:GROUP]` inside the task; empty: the driver's default.
    public var user: String
    public var resources: TaskResourceSpec
    /// How long the task has between `killSignal` and SIGKILL (capped by the runner's `maxKillTimeout`).
    public var killTimeout: Duration
    /// The signal that asks the task to stop (`SIGTERM`, `SIGINT`, or a number).
    public var killSignal: String
    /// How long to wait between the kill's decision and the signal (for load balancers to drain).
    public var shutdownDelay: Duration
    /// When the leader dies, the group's other tasks are killed.
    public var leader: Bool
    public var logs: LogConfig
    /// A task-level restart policy replaces the group's.
    public var restart: RestartPolicy?
    public var devices: [DeviceRequest]
    public var mounts: [MountRequest]

    public init(name: String, driver: String, config: DriverConfig = [:], env: [String: String] = [:],
                meta: [String: String] = [:], user: String = "", resources: TaskResourceSpec = TaskResourceSpec(),
                killTimeout: Duration = .seconds(5), killSignal: String = "SIGTERM", shutdownDelay: Duration = .zero,
                leader: Bool = false, logs: LogConfig = LogConfig(), restart: RestartPolicy? = nil,
                devices: [DeviceRequest] = [], mounts: [MountRequest] = []) {
        self.name = name
        self.driver = driver
        self.config = config
        self.env = env
        self.meta = meta
        self.user = user
        self.resources = resources
        self.killTimeout = killTimeout
        self.killSignal = killSignal
        self.shutdownDelay = shutdownDelay
        self.leader = leader
        self.logs = logs
        self.restart = restart
        self.devices = devices
        self.mounts = mounts
    }
}

/// The resources a task asks for, in job-file units (Nomad's `resources` block).
public struct TaskResourceSpec: Codable, Equatable, Sendable {
    /// CPU in MHz: the task's weight against other tasks, and its hard quota when the driver applies one.
    public var cpuMHz: Int
    /// Memory in MiB: the hard limit, or the reservation when `memoryMaxMiB` is set.
    public var memoryMiB: Int
    /// Hard memory limit in MiB above `memoryMiB` (Nomad's memory oversubscription).
    public var memoryMaxMiB: Int?
    public var pids: Int?
    public var cpuset: String?

    public init(cpuMHz: Int = 100, memoryMiB: Int = 300, memoryMaxMiB: Int? = nil, pids: Int? = nil,
                cpuset: String? = nil) {
        self.cpuMHz = cpuMHz
        self.memoryMiB = memoryMiB
        self.memoryMaxMiB = memoryMaxMiB
        self.pids = pids
        self.cpuset = cpuset
    }
}
