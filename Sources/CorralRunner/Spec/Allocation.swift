#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One instance of a task group placed on this host (Nomad's `structs.Allocation`): the unit the
/// runner runs, persists and restores.
package struct Allocation: Codable, Equatable, Sendable {
    /// Letters, digits, `-` and `_` (drivers build names from it); a UUID in practice.
    package var id: String
    package var job: Job
    package var groupName: String
    /// Which instance of the group this is (0 ..< count).
    package var index: Int
    /// The server's wish for the allocation: `run`, or `stop` once the job is stopped.
    package var desiredStatus: DesiredStatus
    /// When the allocation was made (nil in allocations stored before this field existed).
    package var createTime: Date?
    /// The agent's index when this version of the job was submitted (Nomad's `JobModifyIndex`),
    /// the same in every allocation of the version; what `job run -check-index` compares. Nil in
    /// allocations stored before this field existed.
    package var jobModifyIndex: UInt64?
    /// The whole cores reserved for each task that asks for `resources { cores }` (`CoreAssignment`).
    package var taskCores: [String: [Int]]

    package init(id: String, job: Job, groupName: String, index: Int = 0, desiredStatus: DesiredStatus = .run,
                createTime: Date? = nil, jobModifyIndex: UInt64? = nil, taskCores: [String: [Int]] = [:]) {
        self.id = id
        self.job = job
        self.groupName = groupName
        self.index = index
        self.desiredStatus = desiredStatus
        self.createTime = createTime
        self.jobModifyIndex = jobModifyIndex
        self.taskCores = taskCores
    }

    /// `purge`: being removed, with its directory and state. Stored before the removal starts, so
    /// that an agent killed in the middle finishes it at its next start instead of restoring an
    /// allocation half removed (its directory gone, its record left).
    package enum DesiredStatus: String, Codable, Sendable { case run, stop, purge }

    enum CodingKeys: String, CodingKey {
        case id, job, index
        case groupName = "group"
        case desiredStatus = "desired_status"
        case createTime = "create_time"
        case jobModifyIndex = "job_modify_index"
        case taskCores = "task_cores"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        job = try c.decode(Job.self, forKey: .job)
        groupName = try c.decode(String.self, forKey: .groupName)
        index = try c.decodeIfPresent(Int.self, forKey: .index) ?? 0
        desiredStatus = try c.decodeIfPresent(DesiredStatus.self, forKey: .desiredStatus) ?? .run
        createTime = try c.decodeIfPresent(Date.self, forKey: .createTime)
        jobModifyIndex = try c.decodeIfPresent(UInt64.self, forKey: .jobModifyIndex)
        taskCores = try c.decodeIfPresent([String: [Int]].self, forKey: .taskCores) ?? [:]
    }

    /// `job.group[index]`, Nomad's allocation name.
    package var name: String { "\(job.name).\(groupName)[\(index)]" }
    /// The first eight characters of the id.
    package var shortID: String { String(id.prefix(8)) }
    package var group: TaskGroup? { job.group(named: groupName) }
}
