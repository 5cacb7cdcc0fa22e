import CorralCgroups
import CorralJSON

/// What `task.json` records when a task starts: enough to find and recognise it later (`corral ps`,
/// `logs`, `kill`, `prune`).
///
/// The start times make the pids safe to act on: a pid is taken for the recorded process only while
/// the process holding it started at the recorded time (`ProcessIdentity`). Records written before
/// they existed have none (every member after `cgroups` is optional), and read as before.
package struct TaskRecord: Codable, Equatable, Sendable {
    package var id: String
    package var command: [String]
    package var supervisorPID: Int32
    package var taskPID: Int32
    package var hostname: String
    package var startedAt: String
    /// The task's cgroup directories (one per v1 hierarchy); empty when it has none.
    package var cgroups: [String]
    /// The `corral isolate` process that started the task, which removes the state directory itself
    /// once the task has ended (when it chose the directory).
    package var callerPID: Int32?
    package var callerStartTime: UInt64?
    package var supervisorStartTime: UInt64?
    package var taskStartTime: UInt64?
    /// The cgroup limits the task runs under; nil without a cgroup (`--no-cgroup`).
    package var limits: Limits?

    enum CodingKeys: String, CodingKey {
        case id, command, hostname, cgroups, limits
        case supervisorPID = "supervisor_pid"
        case taskPID = "task_pid"
        case startedAt = "started_at"
        case callerPID = "caller_pid"
        case callerStartTime = "caller_start_time"
        case supervisorStartTime = "supervisor_start_time"
        case taskStartTime = "task_start_time"
    }

    package init(id: String, command: [String], supervisorPID: Int32, taskPID: Int32, hostname: String, startedAt: String,
                 cgroups: [String] = [], starts: StartTimes = StartTimes(), limits: Limits? = nil) {
        self.cgroups = cgroups
        self.id = id
        self.command = command
        self.supervisorPID = supervisorPID
        self.taskPID = taskPID
        self.hostname = hostname
        self.startedAt = startedAt
        self.callerPID = starts.callerPID
        self.callerStartTime = starts.caller
        self.supervisorStartTime = starts.supervisor
        self.taskStartTime = starts.task
        self.limits = limits
    }

    /// The supervisor as recorded; nil in a record without its start time.
    package var supervisor: ProcessIdentity? { supervisorStartTime.map { ProcessIdentity(pid: supervisorPID, startTime: $0) } }
    package var task: ProcessIdentity? { taskStartTime.map { ProcessIdentity(pid: taskPID, startTime: $0) } }
    package var caller: ProcessIdentity? {
        guard let callerPID, let callerStartTime else { return nil }
        return ProcessIdentity(pid: callerPID, startTime: callerStartTime)
    }

    /// The record as one line of JSON, keys sorted (written by hand: see CorralJSON).
    package func json() -> String {
        var members: [(String, String)] = [
            ("cgroups", JSONText.array(cgroups)),
            ("command", JSONText.array(command)),
            ("hostname", JSONText.string(hostname)),
            ("id", JSONText.string(id)),
            ("started_at", JSONText.string(startedAt)),
            ("supervisor_pid", String(supervisorPID)),
            ("task_pid", String(taskPID)),
        ]
        if let callerPID { members.append(("caller_pid", String(callerPID))) }
        if let callerStartTime { members.append(("caller_start_time", String(callerStartTime))) }
        if let limits { members.append(("limits", limits.json())) }
        if let supervisorStartTime { members.append(("supervisor_start_time", String(supervisorStartTime))) }
        if let taskStartTime { members.append(("task_start_time", String(taskStartTime))) }
        return JSONText.object(members.sorted { $0.0 < $1.0 }) + "\n"
    }

    /// The start times of the processes of a task, read while it starts.
    package struct StartTimes: Equatable, Sendable {
        package var callerPID: Int32?
        package var caller: UInt64?
        package var supervisor: UInt64?
        package var task: UInt64?

        package init(callerPID: Int32? = nil, caller: UInt64? = nil, supervisor: UInt64? = nil, task: UInt64? = nil) {
            self.callerPID = callerPID
            self.caller = caller
            self.supervisor = supervisor
            self.task = task
        }

        /// Reads them now from /proc. Each pid is certain: `caller` is this process, `supervisor` our
        /// child not yet reaped, `task` the supervisor's child (checked) while the supervisor lives.
        package static func observe(caller: Int32, supervisor: Int32, task: Int32) -> StartTimes {
            StartTimes(callerPID: caller, caller: ProcessIdentity.current(caller)?.startTime,
                       supervisor: ProcessIdentity.current(supervisor)?.startTime,
                       task: ProcessIdentity.current(task, childOf: supervisor)?.startTime)
        }
    }

    /// The limits of the task's cgroup, as `corral ps` shows them: each nil when not limited.
    package struct Limits: Codable, Equatable, Sendable {
        package var memoryBytes: UInt64?
        package var cpuQuotaMicros: UInt64?
        package var cpuPeriodMicros: UInt64?
        package var pids: Int?

        enum CodingKeys: String, CodingKey {
            case pids
            case memoryBytes = "memory_bytes"
            case cpuQuotaMicros = "cpu_quota_us"
            case cpuPeriodMicros = "cpu_period_us"
        }

        package init(memoryBytes: UInt64? = nil, cpuQuotaMicros: UInt64? = nil, cpuPeriodMicros: UInt64? = nil,
                     pids: Int? = nil) {
            self.memoryBytes = memoryBytes
            self.cpuQuotaMicros = cpuQuotaMicros
            self.cpuPeriodMicros = cpuPeriodMicros
            self.pids = pids
        }

        package init(_ limits: CgroupLimits) {
            self.init(memoryBytes: limits.memoryMaxBytes, cpuQuotaMicros: limits.cpuQuota?.quotaMicros,
                      cpuPeriodMicros: limits.cpuQuota?.periodMicros, pids: limits.pidsMax)
        }

        /// CPUs' worth of time (`--cpus`): quota over period.
        package var cpus: Double? {
            guard let cpuQuotaMicros, let cpuPeriodMicros, cpuPeriodMicros > 0 else { return nil }
            return Double(cpuQuotaMicros) / Double(cpuPeriodMicros)
        }

        func json() -> String {
            var members: [(String, String)] = []
            if let cpuPeriodMicros { members.append(("cpu_period_us", String(cpuPeriodMicros))) }
            if let cpuQuotaMicros { members.append(("cpu_quota_us", String(cpuQuotaMicros))) }
            if let memoryBytes { members.append(("memory_bytes", String(memoryBytes))) }
            if let pids { members.append(("pids", String(pids))) }
            return JSONText.object(members)
        }
    }
}
