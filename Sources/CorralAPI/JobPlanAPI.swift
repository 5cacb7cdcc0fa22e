/// `POST /v1/jobs/plan`: what submitting a job file would do, with nothing changed (Nomad's `job plan`).
package struct JobPlanResponse: Codable, Equatable, Sendable {
    /// What would change.
    package enum Change: String, Codable, Sendable {
        /// No job of this id runs: its allocations would be placed.
        case create
        /// An earlier version (or a stopped one) would be replaced: its allocations stopped, the new ones placed.
        case update
        /// The same version runs: nothing would change.
        case none
    }

    /// Allocations a group would get.
    package struct Placement: Codable, Equatable, Sendable {
        package var group: String
        package var count: Int

        package init(group: String, count: Int) {
            self.group = group
            self.count = count
        }
    }

    package var jobID: String
    package var change: Change
    /// New allocations, per group (none when nothing changes).
    package var place: [Placement]
    /// Allocations that would be stopped and removed.
    package var stop: [String]
    /// The job's modify index now (0: no such job): `job run -check-index` with it submits only if
    /// nothing changed meanwhile.
    package var jobModifyIndex: UInt64
    /// Why the agent would refuse the job (placement, constraints, policy, the node's free resources), if it would.
    package var refusal: String?
    package var warnings: [String]

    package init(jobID: String, change: Change, place: [Placement], stop: [String], jobModifyIndex: UInt64,
                 refusal: String? = nil, warnings: [String] = []) {
        self.jobID = jobID
        self.change = change
        self.place = place
        self.stop = stop
        self.jobModifyIndex = jobModifyIndex
        self.refusal = refusal
        self.warnings = warnings
    }

    /// Whether allocations would be placed or stopped (Nomad's `job plan` exits 1 then).
    package var changesAllocations: Bool { change != .none && (!stop.isEmpty || place.contains { $0.count > 0 } || refusal != nil) }

    enum CodingKeys: String, CodingKey {
        case change, place, stop, refusal, warnings
        case jobID = "job_id"
        case jobModifyIndex = "job_modify_index"
    }
}
