import CorralRunner
import Foundation

/// `POST /v1/jobs`: what the agent did with a submitted job.
package struct JobSubmitResponse: Codable, Equatable, Sendable {
    package var jobID: String
    /// The new allocations, `count` per group, in group order.
    package var allocations: [String]
    /// Allocations of an earlier version of the job that were stopped and removed for these.
    package var replaced: [String]
    package var warnings: [String]
    /// The job's modify index after the submission (Nomad's `JobModifyIndex`): what
    /// `job run -check-index` compares against. 0 from an agent that predates it.
    package var jobModifyIndex: UInt64
    /// The job was identical to the version running: nothing was changed, and `allocations` are
    /// the ones already there (Nomad makes no new version and no evaluation).
    package var unchanged: Bool

    package init(jobID: String, allocations: [String], replaced: [String] = [], warnings: [String] = [],
                jobModifyIndex: UInt64 = 0, unchanged: Bool = false) {
        self.jobID = jobID
        self.allocations = allocations
        self.replaced = replaced
        self.warnings = warnings
        self.jobModifyIndex = jobModifyIndex
        self.unchanged = unchanged
    }

    enum CodingKeys: String, CodingKey {
        case allocations, replaced, warnings, unchanged
        case jobID = "job_id"
        case jobModifyIndex = "job_modify_index"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        jobID = try c.decode(String.self, forKey: .jobID)
        allocations = try c.decode([String].self, forKey: .allocations)
        replaced = try c.decodeIfPresent([String].self, forKey: .replaced) ?? []
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
        jobModifyIndex = try c.decodeIfPresent(UInt64.self, forKey: .jobModifyIndex) ?? 0
        unchanged = try c.decodeIfPresent(Bool.self, forKey: .unchanged) ?? false
    }
}

/// How many of a job's allocations are in each client status.
package struct AllocCounts: Codable, Equatable, Sendable {
    package var pending = 0
    package var running = 0
    package var complete = 0
    package var failed = 0

    package init(pending: Int = 0, running: Int = 0, complete: Int = 0, failed: Int = 0) {
        self.pending = pending
        self.running = running
        self.complete = complete
        self.failed = failed
    }

    package mutating func count(_ status: AllocClientStatus) {
        switch status {
        case .pending: pending += 1
        case .running: running += 1
        case .complete: complete += 1
        case .failed: failed += 1
        }
    }
}

/// `GET /v1/jobs`: one line per job.
package struct JobStub: Codable, Equatable, Sendable {
    package var id: String
    package var name: String
    package var type: JobType
    /// `pending` (an allocation has not started), `running` (some allocation wants to run and is
    /// not terminal) or `dead` (every allocation is complete, failed or stopped).
    package var status: String
    /// True once `DELETE /v1/job/{id}` stopped it.
    package var stopped: Bool
    package var submitTime: Date
    package var summary: AllocCounts
    /// The index at which this version of the job was submitted (Nomad's `JobModifyIndex`): give
    /// it to `job run -check-index` to replace exactly this version. 0 from an agent that predates it.
    package var jobModifyIndex: UInt64

    package init(id: String, name: String, type: JobType, status: String, stopped: Bool, submitTime: Date,
                summary: AllocCounts, jobModifyIndex: UInt64 = 0) {
        self.id = id
        self.name = name
        self.type = type
        self.status = status
        self.stopped = stopped
        self.submitTime = submitTime
        self.summary = summary
        self.jobModifyIndex = jobModifyIndex
    }

    enum CodingKeys: String, CodingKey {
        case id, name, type, status, stopped, summary
        case submitTime = "submit_time"
        case jobModifyIndex = "job_modify_index"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        type = try c.decode(JobType.self, forKey: .type)
        status = try c.decode(String.self, forKey: .status)
        stopped = try c.decode(Bool.self, forKey: .stopped)
        submitTime = try c.decode(Date.self, forKey: .submitTime)
        summary = try c.decode(AllocCounts.self, forKey: .summary)
        jobModifyIndex = try c.decodeIfPresent(UInt64.self, forKey: .jobModifyIndex) ?? 0
    }
}

/// `GET /v1/job/{id}`: the job, its definition, and its allocations.
package struct JobDetail: Codable, Equatable, Sendable {
    package var stub: JobStub
    package var job: Job
    package var allocations: [AllocStub]

    package init(stub: JobStub, job: Job, allocations: [AllocStub]) {
        self.stub = stub
        self.job = job
        self.allocations = allocations
    }
}

/// `DELETE /v1/job/{id}`: the allocations being stopped (or, with `purge=true`, removed).
package struct JobStopResponse: Codable, Equatable, Sendable {
    package var jobID: String
    package var allocations: [String]
    package var purged: Bool

    package init(jobID: String, allocations: [String], purged: Bool) {
        self.jobID = jobID
        self.allocations = allocations
        self.purged = purged
    }

    enum CodingKeys: String, CodingKey {
        case allocations, purged
        case jobID = "job_id"
    }
}
