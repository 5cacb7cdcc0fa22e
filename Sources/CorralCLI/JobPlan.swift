import ArgumentParser
import CorralAPI
import CorralClient
import CorralJobspec
import Foundation

/// `corral job plan FILE`: what `corral job run FILE` would do, with nothing changed (Nomad's `job plan`).
struct JobPlan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what submitting a job file would do, changing nothing.",
        discussion: """
            Prints whether the job would be created, updated (its running allocations stopped and new ones \
            placed) or left as it is, and why the agent would refuse it, if it would. The modify index printed \
            goes to `corral job run -check-index N`, which then submits only if nothing changed meanwhile.
            Exit status, as Nomad's: 0 when no allocation would be placed or stopped; 1 when some would (or the \
            job would be refused); 2 for an invalid job file; 4 when no agent answers; 125 otherwise.
            """)

    @OptionGroup var agent: AgentOptions

    @OptionGroup var variables: JobVariableOptions

    @Argument(help: ArgumentHelp("The job file (.hcl, or .json in Nomad's JSON form); - reads it from standard input.", valueName: "jobfile"))
    var jobFile: String

    @Flag(name: [.long, .customLong("json", withSingleDash: true)], help: "Print the plan as JSON.")
    var json = false

    func run() throws {
        let client = try agent.client()
        let file = try AgentJobFile(jobFile, variables: variables)
        let (json, jobFile) = (self.json, self.jobFile)
        let changes = try AgentCall.run { () async throws -> Bool in
            let plan: JobPlanResponse
            do throws(AgentClientError) {
                plan = try await client.planJob(source: file.source, filename: file.name, directory: file.directory,
                                                variables: file.variables)
            } catch {
                try file.fail(error)
            }
            if json { try AgentCall.printJSON(plan) } else { Output.write(Self.render(plan, jobFile: jobFile)) }
            return plan.changesAllocations
        }
        if changes { throw ExitCode(1) }
    }

    /// Nomad's layout: `+ Job: "web"`, a line per group, the refusal, the index and how to use it.
    static func render(_ plan: JobPlanResponse, jobFile: String) -> String {
        var text: String
        switch plan.change {
        case .create: text = "+ Job: \"\(plan.jobID)\" (create)\n"
        case .update: text = "+/- Job: \"\(plan.jobID)\" (update: its \(plan.stop.count) allocation(s) are stopped and replaced)\n"
        case .none: text = "Job: \"\(plan.jobID)\" (no change)\n"
        }
        for placement in plan.place {
            text += "    Group \"\(placement.group)\": \(placement.count) allocation(s) to place\n"
        }
        if !plan.stop.isEmpty { text += "    To stop: \(plan.stop.map { String($0.prefix(8)) }.joined(separator: " "))\n" }
        if let refusal = plan.refusal { text += "\nThe agent would refuse this job: \(refusal)\n" }
        for warning in plan.warnings { text += "\nWarning: \(warning)\n" }
        text += "\nJob Modify Index: \(plan.jobModifyIndex)\n"
        if plan.refusal == nil && plan.change != .none {
            text += "To submit the job with version verification run:\n\ncorral job run -check-index \(plan.jobModifyIndex) \(jobFile)\n"
        }
        return text
    }
}

/// `corral job validate FILE`: `corral validate` under `job`, as Nomad has it.
struct JobValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a job file (HCL or JSON) without running it (as corral validate).",
        discussion: "Exit status: 0 when the job is valid; 2 with every problem printed (file:line:column).")

    @Argument(help: ArgumentHelp("The job file; - reads it from standard input.", valueName: "jobfile"))
    var jobFile: String

    @OptionGroup var variables: JobVariableOptions

    func run() throws {
        var validate = Validate()
        validate.jobFile = jobFile
        validate.variables = variables
        try validate.run()
    }
}
