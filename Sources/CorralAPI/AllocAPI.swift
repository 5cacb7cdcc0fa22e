import CorralDriver
import CorralRunner
import Foundation

/// `GET /v1/allocations`: one line per allocation.
public struct AllocStub: Codable, Equatable, Sendable {
    public var id: String
    /// `job.group[index]`.
    public var name: String
    public var jobID: String
    public var taskGroup: String
    public var index: Int
    public var desiredStatus: Allocation.DesiredStatus
    public var clientStatus: AllocClientStatus
    public var clientDescription: String
    /// Each task's lifecycle state (`pending`, `running`, `dead`).
    public var tasks: [String: TaskLifecycle]
    public var createTime: Date
    /// Grows with every change to the allocation or one of its tasks (blocking queries wait on it).
    public var modifyIndex: UInt64

    public init(id: String, name: String, jobID: String, taskGroup: String, index: Int,
                desiredStatus: Allocation.DesiredStatus, clientStatus: AllocClientStatus, clientDescription: String,
                tasks: [String: TaskLifecycle], createTime: Date, modifyIndex: UInt64) {
        self.id = id
        self.name = name
        self.jobID = jobID
        self.taskGroup = taskGroup
        self.index = index
        self.desiredStatus = desiredStatus
        self.clientStatus = clientStatus
        self.clientDescription = clientDescription
        self.tasks = tasks
        self.createTime = createTime
        self.modifyIndex = modifyIndex
    }

    enum CodingKeys: String, CodingKey {
        case id, name, index, tasks
        case jobID = "job_id"
        case taskGroup = "task_group"
        case desiredStatus = "desired_status"
        case clientStatus = "client_status"
        case clientDescription = "client_description"
        case createTime = "create_time"
        case modifyIndex = "modify_index"
    }
}

/// `GET /v1/allocation/{id}`: the allocation with every task's state and recent events.
public struct AllocDetail: Codable, Equatable, Sendable {
    public var stub: AllocStub
    public var taskStates: [String: CorralRunner.TaskState]
    /// The newest resource usage reading of each running task.
    public var resourceUsage: [String: TaskResourceUsage]
    /// What each task asked for (`resources` block).
    public var resources: [String: TaskResourceSpec]

    public init(stub: AllocStub, taskStates: [String: CorralRunner.TaskState], resourceUsage: [String: TaskResourceUsage],
                resources: [String: TaskResourceSpec]) {
        self.stub = stub
        self.taskStates = taskStates
        self.resourceUsage = resourceUsage
        self.resources = resources
    }

    enum CodingKeys: String, CodingKey {
        case stub, resources
        case taskStates = "task_states"
        case resourceUsage = "resource_usage"
    }
}

/// The body of `POST /v1/client/allocation/{id}/restart` and `/signal`. No `task`: every task
/// of the allocation (restart) or the only task (signal; several tasks need a name).
public struct AllocTaskRequest: Codable, Equatable, Sendable {
    public var task: String?
    /// For `signal`: a name (`SIGUSR1`, `USR1`) or a number; default `SIGKILL` as Nomad's.
    public var signal: String?

    public init(task: String? = nil, signal: String? = nil) {
        self.task = task
        self.signal = signal
    }
}

/// What an allocation action did: the tasks it reached.
public struct AllocActionResponse: Codable, Equatable, Sendable {
    public var allocID: String
    public var tasks: [String]

    public init(allocID: String, tasks: [String]) {
        self.allocID = allocID
        self.tasks = tasks
    }

    enum CodingKeys: String, CodingKey {
        case tasks
        case allocID = "alloc_id"
    }
}

/// `GET /v1/client/allocation/{id}/stats`: the newest usage of each running task and their sum.
public struct AllocStatsResponse: Codable, Equatable, Sendable {
    public var allocID: String
    public var tasks: [String: TaskResourceUsage]
    /// Sums over the tasks: resident memory in bytes and CPU percent of one core.
    public var memoryRSSBytes: UInt64
    public var cpuPercent: Double

    public init(allocID: String, tasks: [String: TaskResourceUsage], memoryRSSBytes: UInt64, cpuPercent: Double) {
        self.allocID = allocID
        self.tasks = tasks
        self.memoryRSSBytes = memoryRSSBytes
        self.cpuPercent = cpuPercent
    }

    enum CodingKeys: String, CodingKey {
        case tasks
        case allocID = "alloc_id"
        case memoryRSSBytes = "memory_rss_bytes"
        case cpuPercent = "cpu_percent"
    }
}
