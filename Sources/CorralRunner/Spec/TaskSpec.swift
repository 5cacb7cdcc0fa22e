import CorralDriver

/// One task of a group, as the job file declares it (Nomad's `structs.Task`).
package struct TaskSpec: Codable, Equatable, Sendable {
    package var name: String
    /// The driver's name (`exec`, `raw_exec`, `mock`).
    package var driver: String
    /// The driver's `config` block; `${...}` in its strings is interpolated before the start.
    package var config: DriverConfig
    /// The task's own environment variables; `${...}` interpolated too.
    package var env: [String: String]
    package var meta: [String: String]
    /// `USER[:GROUP]` inside the task; empty: the driver's default.
    package var user: String
    package var resources: TaskResourceSpec
    /// How long the task has between `killSignal` and SIGKILL (capped by the runner's `maxKillTimeout`).
    package var killTimeout: Duration
    /// The signal that asks the task to stop (`SIGTERM`, `SIGINT`, or a number).
    package var killSignal: String
    /// How long to wait between the kill's decision and the signal (for load balancers to drain).
    package var shutdownDelay: Duration
    /// When the leader dies, the group's other tasks are killed.
    package var leader: Bool
    package var logs: LogConfig
    /// A task-level restart policy replaces the group's.
    package var restart: RestartPolicy?
    package var devices: [DeviceRequest]
    package var mounts: [MountRequest]

    package init(name: String, driver: String, config: DriverConfig = [:], env: [String: String] = [:],
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

    enum CodingKeys: String, CodingKey {
        case name, driver, config, env, meta, user, resources, leader, logs, restart, devices, mounts
        case killTimeout = "kill_timeout"
        case killSignal = "kill_signal"
        case shutdownDelay = "shutdown_delay"
    }

    /// Missing fields take the job file defaults (kill_timeout 5s, SIGTERM, 300 MiB, 100 MHz...).
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), driver: try c.decode(String.self, forKey: .driver),
                  config: try c.decodeIfPresent(DriverConfig.self, forKey: .config) ?? [:],
                  env: try c.decodeIfPresent([String: String].self, forKey: .env) ?? [:],
                  meta: try c.decodeIfPresent([String: String].self, forKey: .meta) ?? [:],
                  user: try c.decodeIfPresent(String.self, forKey: .user) ?? "",
                  resources: try c.decodeIfPresent(TaskResourceSpec.self, forKey: .resources) ?? TaskResourceSpec(),
                  killTimeout: try c.decodeDuration(forKey: .killTimeout) ?? .seconds(5),
                  killSignal: try c.decodeIfPresent(String.self, forKey: .killSignal) ?? "SIGTERM",
                  shutdownDelay: try c.decodeDuration(forKey: .shutdownDelay) ?? .zero,
                  leader: try c.decodeIfPresent(Bool.self, forKey: .leader) ?? false,
                  logs: try c.decodeIfPresent(LogsBlock.self, forKey: .logs)?.config ?? LogConfig(),
                  restart: try c.decodeIfPresent(RestartPolicy.self, forKey: .restart),
                  devices: try c.decodeIfPresent([DeviceRequest].self, forKey: .devices) ?? [],
                  mounts: try c.decodeIfPresent([MountRequest].self, forKey: .mounts) ?? [])
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(driver, forKey: .driver)
        try c.encode(config, forKey: .config)
        try c.encode(env, forKey: .env)
        try c.encode(meta, forKey: .meta)
        try c.encode(user, forKey: .user)
        try c.encode(resources, forKey: .resources)
        try c.encodeDuration(killTimeout, forKey: .killTimeout)
        try c.encode(killSignal, forKey: .killSignal)
        try c.encodeDuration(shutdownDelay, forKey: .shutdownDelay)
        try c.encode(leader, forKey: .leader)
        try c.encode(LogsBlock(logs), forKey: .logs)
        try c.encodeIfPresent(restart, forKey: .restart)
        try c.encode(devices, forKey: .devices)
        try c.encode(mounts, forKey: .mounts)
    }
}

/// The resources a task asks for, in job-file units (Nomad's `resources` block).
package struct TaskResourceSpec: Codable, Equatable, Sendable {
    /// CPU in MHz: the task's weight against other tasks, and its hard quota when the driver applies one.
    package var cpuMHz: Int
    /// Memory in MiB: the hard limit, or the reservation when `memoryMaxMiB` is set.
    package var memoryMiB: Int
    /// Hard memory limit in MiB above `memoryMiB` (Nomad's memory oversubscription);
    /// `noMemoryLimit` (-1, as Nomad writes it): no hard limit at all, `memoryMiB` the reservation.
    package var memoryMaxMiB: Int?
    package var pids: Int?
    package var cpuset: String?
    /// Whole CPUs reserved for the task (Nomad's `cores`); its MHz are then cores × the node's MHz per core.
    package var cores: Int?

    /// `memory_max = -1`: the task may use all the memory the node has.
    package static let noMemoryLimit = -1

    /// Whether `memory_max = -1` lifts the hard limit.
    package var hasNoMemoryLimit: Bool { memoryMaxMiB == Self.noMemoryLimit }

    package init(cpuMHz: Int = 100, memoryMiB: Int = 300, memoryMaxMiB: Int? = nil, pids: Int? = nil,
                cpuset: String? = nil, cores: Int? = nil) {
        self.cpuMHz = cpuMHz
        self.memoryMiB = memoryMiB
        self.memoryMaxMiB = memoryMaxMiB
        self.pids = pids
        self.cpuset = cpuset
        self.cores = cores
    }

    enum CodingKeys: String, CodingKey {
        case pids, cpuset, cores
        case cpuMHz = "cpu"
        case memoryMiB = "memory"
        case memoryMaxMiB = "memory_max"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(cpuMHz: try c.decodeIfPresent(Int.self, forKey: .cpuMHz) ?? 100,
                  memoryMiB: try c.decodeIfPresent(Int.self, forKey: .memoryMiB) ?? 300,
                  memoryMaxMiB: try c.decodeIfPresent(Int.self, forKey: .memoryMaxMiB),
                  pids: try c.decodeIfPresent(Int.self, forKey: .pids),
                  cpuset: try c.decodeIfPresent(String.self, forKey: .cpuset),
                  cores: try c.decodeIfPresent(Int.self, forKey: .cores))
    }
}

/// The `logs` block as job files write it: `max_files`, `max_file_size` (MiB).
struct LogsBlock: Codable {
    var maxFiles: Int?
    var maxFileSize: Int?

    init(_ config: LogConfig) {
        maxFiles = config.maxFiles
        maxFileSize = config.maxFileSizeMiB
    }

    enum CodingKeys: String, CodingKey {
        case maxFiles = "max_files"
        case maxFileSize = "max_file_size"
    }

    var config: LogConfig {
        let defaults = LogConfig()
        return LogConfig(maxFiles: maxFiles ?? defaults.maxFiles, maxFileSizeMiB: maxFileSize ?? defaults.maxFileSizeMiB)
    }
}
