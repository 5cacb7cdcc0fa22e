import CorralDriver
import CorralRunner
import Foundation

/// `GET /v1/allocations`: one line per allocation.
package struct AllocStub: Codable, Equatable, Sendable {
    package var id: String
    /// `job.group[index]`.
    package var name: String
    package var jobID: String
    package var taskGroup: String
    package var index: Int
    package var desiredStatus: Allocation.DesiredStatus
    package var clientStatus: AllocClientStatus
    package var clientDescription: String
    /// Each task's lifecycle state (`pending`, `running`, `dead`).
    package var tasks: [String: TaskLifecycle]
    package var createTime: Date
    /// Grows with every change to the allocation or one of its tasks (blocking queries wait on it).
    package var modifyIndex: UInt64

    package init(id: String, name: String, jobID: String, taskGroup: String, index: Int,
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
package struct AllocDetail: Codable, Equatable, Sendable {
    package var stub: AllocStub
    package var taskStates: [String: CorralRunner.TaskState]
    /// The newest resource usage reading of each running task.
    package var resourceUsage: [String: TaskResourceUsage]
    /// What each task asked for (`resources` block).
    package var resources: [String: TaskResourceSpec]

    package init(stub: AllocStub, taskStates: [String: CorralRunner.TaskState], resourceUsage: [String: TaskResourceUsage],
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
package struct AllocTaskRequest: Codable, Equatable, Sendable {
    package var task: String?
    /// For `signal`: a name (`SIGUSR1`, `USR1`) or a number; default `SIGKILL` as Nomad's.
    package var signal: String?

    package init(task: String? = nil, signal: String? = nil) {
        self.task = task
        self.signal = signal
    }
}

/// What an allocation action did: the tasks it reached.
package struct AllocActionResponse: Codable, Equatable, Sendable {
    package var allocID: String
    package var tasks: [String]

    package init(allocID: String, tasks: [String]) {
        self.allocID = allocID
        self.tasks = tasks
    }

    enum CodingKeys: String, CodingKey {
        case tasks
        case allocID = "alloc_id"
    }
}

/// `GET /v1/client/allocation/{id}/stats`: the newest usage of each running task and their sum.
package struct AllocStatsResponse: Codable, Equatable, Sendable {
    package var allocID: String
    package var tasks: [String: TaskResourceUsage]
    /// Sums over the tasks: resident memory in bytes and CPU percent of one core.
    package var memoryRSSBytes: UInt64
    package var cpuPercent: Double

    package init(allocID: String, tasks: [String: TaskResourceUsage], memoryRSSBytes: UInt64, cpuPercent: Double) {
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
