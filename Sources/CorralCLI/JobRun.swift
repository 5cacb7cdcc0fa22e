import ArgumentParser
import CorralAPI
import CorralClient
import CorralJobspec
import Foundation

/// `corral job run FILE`: submits a job file to the agent, then follows its allocations until they
/// are running (service) or done (batch).
struct JobRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Submit a job file to the agent and follow its allocations.",
        discussion: """
            Prints each task event until every task of every allocation is running (service jobs) or \
            every allocation has finished (batch jobs, and any failed allocation).
            A job identical to the version running (comments and layout aside) changes nothing: the \
            allocations already there are followed. --check-index N submits only if the job's modify \
            index (job status) is N, or with 0 only if the job does not exist.
            Exit status: 0; 1 when an allocation failed; 2 for an invalid job file (each problem printed \
            with its position); 4 when no agent answers; 125 when corral or the agent fails otherwise (the \
            job does not fit, --check-index does not match).
            """)

    @OptionGroup var agent: AgentOptions

    @OptionGroup var variables: JobVariableOptions

    @Argument(help: ArgumentHelp("The job file (.hcl, or .json in Nomad's JSON form); - reads it from standard input.", valueName: "jobfile"))
    var jobFile: String

    @Flag(name: [.long, .customLong("detach", withSingleDash: true)], help: "Print the submission's answer and return without following the allocations.")
    var detach = false

    @Flag(name: [.long, .customLong("json", withSingleDash: true)], help: "Print the submission's answer as JSON (and, following, each event as a JSON line).")
    var json = false

    @Option(name: [.customLong("check-index"), .customLong("check-index", withSingleDash: true)],
            help: ArgumentHelp("Submit only if the job's modify index is this (0: only if the job does not exist); "
                               + "otherwise the agent refuses it with the current index (job status shows it).",
                               valueName: "index"))
    var checkIndex: UInt64?

    func run() throws {
        let client = try agent.client()
        let file = try AgentJobFile(jobFile, variables: variables)
        let (json, detach, checkIndex) = (self.json, self.detach, self.checkIndex)
        let failed = try AgentCall.run { () async throws -> Bool in
            let submitted: JobSubmitResponse
            do throws(AgentClientError) {
                submitted = try await client.submitJob(source: file.source, filename: file.name, directory: file.directory,
                                                       checkIndex: checkIndex, variables: file.variables)
            } catch {
                try file.fail(error)
            }
            if json {
                try AgentCall.printJSON(submitted, pretty: detach)
            } else {
                Output.write(Self.summary(submitted))
                for warning in submitted.warnings { Output.write("==> Warning: \(warning)\n", to: 2) }
            }
            if detach { return false }
            let type = try await client.job(submitted.jobID).stub.type
            let watcher = AllocationWatcher(client: client, json: json, color: !json && Output.color())
            let details = try await watcher.watch(submitted.allocations, until: type.runsToCompletion ? .terminal : .running)
            let failures = details.filter { $0.stub.clientStatus == .failed }
            if !json {
                for detail in failures {
                    Output.write("==> Allocation \(detail.stub.id.prefix(8)) (\(detail.stub.name)) failed: "
                                 + "\(detail.stub.clientDescription)\n", to: 2)
                }
            }
            return !failures.isEmpty
        }
        if failed { throw ExitCode(1) }
    }

    /// `==> Submitted job example: allocations 1a2b3c4d 5e6f7a8b`, or `==> Job example unchanged: …`.
    static func summary(_ submitted: JobSubmitResponse) -> String {
        let ids = submitted.allocations.map { String($0.prefix(8)) }
        var text = (submitted.unchanged ? "==> Job \(submitted.jobID) unchanged: " : "==> Submitted job \(submitted.jobID): ")
            + (ids.isEmpty ? "no allocations" : "allocation\(ids.count == 1 ? "" : "s") " + ids.joined(separator: " ")) + "\n"
        if !submitted.replaced.isEmpty {
            text += "==> Replaced allocations \(submitted.replaced.map { String($0.prefix(8)) }.joined(separator: " "))\n"
        }
        return text
    }
}
