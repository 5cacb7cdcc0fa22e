import CorralResourceTypes

/// Everything a driver needs to start one run of a task (Nomad's `drivers.TaskConfig`).
///
/// `id` is `allocID/taskName/restartCount`: each restart is a new driver task with a new id, so a
/// late event about an old run can never be taken for the new one.
package struct TaskConfig: Codable, Equatable, Sendable {
    package var id: String
    package var name: String
    package var jobName: String
    package var groupName: String
    package var allocID: String
    /// Environment of the task (the runner's `NOMAD_*` variables and the task's own `env`).
    package var env: [String: String]
    /// `USER[:GROUP]` inside the task; empty: the driver's default (root).
    package var user: String
    package var resources: TaskResources
    /// Host devices given to the task by the runner (drivers also take them in their own config).
    package var devices: [DeviceRequest]
    /// Host paths bound into the task by the runner.
    package var mounts: [MountRequest]
    /// The allocation directory shared by the group's tasks (`alloc/{data,logs,tmp}` below it).
    package var allocDir: String
    /// This task's directory (`local/`, `secrets/`, `tmp/` below it).
    package var taskDir: String
    /// Where the task's stdout and stderr go: `<allocDir>/alloc/logs/<task>.stdout` / `.stderr` by default.
    package var stdoutPath: String
    package var stderrPath: String
    package var logging: LogConfig
    /// The task's `config` block, as the job file gave it.
    package var driverConfig: DriverConfig

    package init(id: String, name: String, jobName: String = "", groupName: String = "", allocID: String = "",
                env: [String: String] = [:], user: String = "", resources: TaskResources = TaskResources(),
                devices: [DeviceRequest] = [], mounts: [MountRequest] = [], allocDir: String, taskDir: String,
                stdoutPath: String? = nil, stderrPath: String? = nil, logging: LogConfig = LogConfig(),
                driverConfig: DriverConfig = [:]) {
        self.id = id
        self.name = name
        self.jobName = jobName
        self.groupName = groupName
        self.allocID = allocID
        self.env = env
        self.user = user
        self.resources = resources
        self.devices = devices
        self.mounts = mounts
        self.allocDir = allocDir
        self.taskDir = taskDir
        self.stdoutPath = stdoutPath ?? TaskConfig.logPath(allocDir: allocDir, task: name, stream: "stdout")
        self.stderrPath = stderrPath ?? TaskConfig.logPath(allocDir: allocDir, task: name, stream: "stderr")
        self.logging = logging
        self.driverConfig = driverConfig
    }

    /// `<allocDir>/alloc/logs/<task>.<stream>`, where Nomad keeps task logs.
    package static func logPath(allocDir: String, task: String, stream: String) -> String {
        (allocDir.hasSuffix("/") ? allocDir : allocDir + "/") + "alloc/logs/\(task).\(stream)"
    }

    /// `allocID/taskName/restartCount`.
    package static func makeID(allocID: String, task: String, restart: Int) -> String {
        "\(allocID)/\(task)/\(restart)"
    }

    /// The id's parts, checked: an alloc id of letters, digits, `-` and `_`; a task name that is a
    /// usable file name (not `.` or `..`, no `/` or NUL); a restart count in plain decimal. Drivers
    /// build directory and cgroup names from them (`<alloc>.<task>.<restart>` is unambiguous because
    /// the alloc id has no dot), so nothing else is let through.
    package static func parseID(_ id: String) throws(DriverError) -> (allocID: String, task: String, restart: Int) {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let invalid = DriverError.invalidConfig(key: "id", reason: "\"\(id)\" is not allocID/taskName/restartCount")
        guard parts.count == 3 else { throw invalid }
        let (alloc, task, count) = (parts[0], parts[1], parts[2])
        guard !alloc.isEmpty, alloc.utf8.count <= 64,
              alloc.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
              !task.isEmpty, task != ".", task != "..", !task.contains("\0"), task.utf8.count <= 128,
              !count.isEmpty, count.allSatisfy({ $0.isASCII && $0.isNumber }), count == "0" || !count.hasPrefix("0"),
              let restart = Int(count) else { throw invalid }
        return (alloc, task, restart)
    }
}

/// The resources a task asks for, in the units the cgroup layer takes.
package struct TaskResources: Codable, Equatable, Sendable {
    /// Hard memory limit (`memory`, or `memory_max` when set); beyond it the task is OOM-killed.
    package var memoryLimitBytes: UInt64?
    /// Soft memory reservation (`memory` when `memory_max` raises the hard limit).
    package var memoryReservationBytes: UInt64?
    /// Relative CPU weight (Nomad passes the task's MHz).
    package var cpuShares: UInt64?
    /// The task's share of the node's total compute (0…1): the hard CPU quota when the driver applies one.
    package var percentTicks: Double?
    package var pids: Int?
    /// CPUs the task may run on (`0-1`, `0,2`).
    package var cpuset: String?

    package init(memoryLimitBytes: UInt64? = nil, memoryReservationBytes: UInt64? = nil, cpuShares: UInt64? = nil,
                percentTicks: Double? = nil, pids: Int? = nil, cpuset: String? = nil) {
        self.memoryLimitBytes = memoryLimitBytes
        self.memoryReservationBytes = memoryReservationBytes
        self.cpuShares = cpuShares
        self.percentTicks = percentTicks
        self.pids = pids
        self.cpuset = cpuset
    }
}

/// A host device given to a task: the driver API's name for `DeviceMapping` (one type, the same JSON).
package typealias DeviceRequest = DeviceMapping

/// A host path bound into a task.
package struct MountRequest: Codable, Equatable, Sendable {
    package var source: String
    package var target: String
    package var readOnly: Bool

    package init(source: String, target: String, readOnly: Bool = false) {
        self.source = source
        self.target = target
        self.readOnly = readOnly
    }
}

/// How a task's log files rotate: at `maxFileSizeMiB`, keeping `maxFiles` files per stream.
package struct LogConfig: Codable, Equatable, Sendable {
    package var maxFiles: Int
    package var maxFileSizeMiB: Int

    package init(maxFiles: Int = 10, maxFileSizeMiB: Int = 10) {
        self.maxFiles = maxFiles
        self.maxFileSizeMiB = maxFileSizeMiB
    }
}
