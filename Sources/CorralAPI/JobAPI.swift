import CorralRunner
import Foundation

/// `POST /v1/jobs`: what the agent did with a submitted job.
public struct JobSubmitResponse: Codable, Equatable, Sendable {
    public var jobID: String
    /// The new allocations, `count` per group, in group order.
    public var allocations: [String]
    /// Allocations of an earlier version of the job that were stopped and removed for these.
    public var replaced: [String]
    public var warnings: [String]

    public init(jobID: String, allocations: [String], replaced: [String] = [], warnings: [String] = []) {
        self.jobID = jobID
        self.allocations = allocations
        self.replaced = replaced
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case allocations, replaced, warnings
        case jobID = "job_id"
    }
}

/// How many of a job's allocations are in each client status.
public struct AllocCounts: Codable, Equatable, Sendable {
    public var pending = 0
    public var running = 0
    public var complete = 0
    public var failed = 0

    public init(pending: Int = 0, running: Int = 0, complete: Int = 0, failed: Int = 0) {
        self.pending = pending
        self.running = running
        self.complete = complete
        self.failed = failed
    }

    public mutating func count(_ status: AllocClientStatus) {
        switch status {
        case .pending: pending += 1
        case .running: running += 1
        case .complete: complete += 1
        case .failed: failed += 1
        }
    }
}

/// `GET /v1/jobs`: one line per job.
public struct JobStub: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var type: JobType
    /// `pending` (an allocation has not started), `running` (some allocation wants to run and is
    /// not terminal) or `dead` (every allocation is complete, failed or stopped).
    public var status: String
    /// True once `DELETE /v1/job/{id}` stopped it.
    public var stopped: Bool
    public var submitTime: Date
    public var summary: AllocCounts

    public init(id: String, name: String, type: JobType, status: String, stopped: Bool, submitTime: Date,
                summary: AllocCounts) {
        self.id = id
        self.name = name
        self.type = type
        self.status = status
        self.stopped = stopped
        self.submitTime = submitTime
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case id, name, type, status, stopped, summary
        case submitTime = "submit_time"
    }
}

/// `GET /v1/job/{id}`: the job, its definition, and its allocations.
public struct JobDetail: Codable, Equatable, Sendable {
    public var stub: JobStub
    public var job: Job
    public var allocations: [AllocStub]

    public init(stub: JobStub, job: Job, allocations: [AllocStub]) {
        self.stub = stub
        self.job = job
        self.allocations = allocations
    }
}

/// `DELETE /v1/job/{id}`: the allocations being stopped (or, with `purge=true`, removed).
public struct JobStopResponse: Codable, Equatable, Sendable {
    public var jobID: String
    public var allocations: [String]
    public var purged: Bool

    public init(jobID: String, allocations: [String], purged: Bool) {
        self.jobID = jobID
        self.allocations = allocations
        self.purged = purged
    }

    enum CodingKeys: String, CodingKey {
        case allocations, purged
        case jobID = "job_id"
    }
}
