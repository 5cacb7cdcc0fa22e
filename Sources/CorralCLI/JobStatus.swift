import ArgumentParser
import CorralAPI
import CorralClient
import Foundation

/// `corral job status [JOB]`: the agent's jobs, or one job with its allocations.
struct JobStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "List the agent's jobs, or show one job and its allocations.")

    @OptionGroup var agent: AgentOptions

    @Argument(help: ArgumentHelp("The job's id (none: every job).", valueName: "job"))
    var job: String?

    @Flag(name: [.long, .customLong("json", withSingleDash: true)], help: "Print the agent's answer as JSON.")
    var json = false

    func run() throws {
        let client = try agent.client()
        let (job, json) = (self.job, self.json)
        try AgentCall.run {
            if let job {
                let detail = try await client.job(job)
                if json { try AgentCall.printJSON(detail) } else { Output.write(Self.render(detail)) }
            } else {
                let jobs = try await client.jobs()
                if json { try AgentCall.printJSON(jobs) } else { Output.write(Self.render(jobs)) }
            }
        }
    }

    static func render(_ jobs: [JobStub], now: Date = Date()) -> String {
        guard !jobs.isEmpty else { return "No jobs\n" }
        var table = TextTable(["ID", "Type", "Status", "Submitted", "Pending", "Running", "Complete", "Failed"])
        for job in jobs.sorted(by: { $0.id < $1.id }) {
            table.append([job.id, job.type.rawValue, status(job), CompactTime.format(job.submitTime, now: now),
                          String(job.summary.pending), String(job.summary.running), String(job.summary.complete),
                          String(job.summary.failed)])
        }
        return table.render()
    }

    static func render(_ detail: JobDetail, now: Date = Date()) -> String {
        let stub = detail.stub, counts = stub.summary
        var text = TextTable.keyValues([
            ("ID", stub.id), ("Name", stub.name), ("Type", stub.type.rawValue), ("Status", status(stub)),
            ("Submitted", CompactTime.format(stub.submitTime, now: now)),
            ("Modify Index", String(stub.jobModifyIndex)),
            ("Allocations", "\(counts.pending) pending, \(counts.running) running, \(counts.complete) complete, "
                + "\(counts.failed) failed"),
        ])
        text += "\nAllocations\n"
        text += AllocTables.allocations(detail.allocations, now: now)
        return text
    }

    static func status(_ job: JobStub) -> String { job.stopped && job.status != "dead" ? "\(job.status) (stopping)" : job.status }
}

/// The allocation table `job status` and `alloc status` share.
enum AllocTables {
    static func allocations(_ allocations: [AllocStub], now: Date = Date()) -> String {
        guard !allocations.isEmpty else { return "No allocations\n" }
        var table = TextTable(["ID", "Group", "Index", "Desired", "Status", "Created"])
        let sorted = allocations.sorted { ($0.taskGroup, $0.index, $0.createTime) < ($1.taskGroup, $1.index, $1.createTime) }
        for alloc in sorted {
            table.append([String(alloc.id.prefix(8)), alloc.taskGroup, String(alloc.index), alloc.desiredStatus.rawValue,
                          alloc.clientStatus.rawValue, CompactTime.format(alloc.createTime, now: now)])
        }
        return table.render()
    }
}
