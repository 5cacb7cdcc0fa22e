import ArgumentParser
import CorralDriver
import CorralIsolateCLI
import CorralJobspec
import CorralRunner
import Foundation

/// `corral run JOBFILE`: runs a job in the foreground, printing its events and its tasks' output.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a job file (HCL or JSON) in the foreground.",
        discussion: """
            Batch jobs return when every task is dead; service jobs run until SIGINT or SIGTERM, which \
            stop every task gracefully (kill_signal, then kill_timeout); a second one kills at once.
            Exit status: 0 when no task failed, 1 when a task failed, 2 for an invalid job file \
            (nothing is started), 125 when corral itself fails (e.g. the job does not fit the node).
            """)

    @Argument(help: ArgumentHelp("The job file (.hcl, or .json in Nomad's JSON form); - reads it from standard input.", valueName: "jobfile"))
    var jobFile: String

    @OptionGroup var variables: JobVariableOptions

    @Option(help: ArgumentHelp("Where allocations and the state database go.", valueName: "dir"))
    var dataDir: String = "/var/lib/corral"

    @Flag(help: "Print each event as a JSON object on one line (and no task output).")
    var json = false

    @Flag(help: "Keep the allocations' directories (logs included) and state when the job ends.")
    var keep = false

    @Option(help: ArgumentHelp("Longest kill timeout any task gets.", valueName: "duration"))
    var maxKillTimeout: String = "30s"

    @Option(help: ArgumentHelp("Where the drivers keep task state.", valueName: "dir", visibility: .hidden))
    var stateRoot: String = "/run/corral/tasks"

    @Option(name: .customLong("cgroup-parent"), help: ArgumentHelp("The cgroup task cgroups go under.", valueName: "path"))
    var cgroupParent: String = "corral"

    @Option(help: ArgumentHelp("This node's datacenter: the job's datacenters must include it.", valueName: "name"))
    var datacenter: String = "dc1"

    @Option(help: ArgumentHelp("This node's region: the job's region must be it.", valueName: "name"))
    var region: String = "global"

    func run() throws {
        guard let killCap = DurationParser.parse(maxKillTimeout) else {
            throw ValidationError("--max-kill-timeout \"\(maxKillTimeout)\": not a duration (e.g. 30s)")
        }
        guard !datacenter.isEmpty, !region.isEmpty else { throw ValidationError("--datacenter and --region must not be empty") }
        let job = try Self.load(jobFile, variables: try variables.inputs())
        if let refusal = RootRequirement.refusal("run", alternatives: ["submit it to a running agent with `corral job run \(jobFile)`"]) {
            throw CLIFailure(refusal)
        }
        let color = !json && isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let printer = EventPrinter(mode: json ? .json : .text(color: color), columns: EventColumns(job: job))
        let session = RunSession(options: .init(dataDir: Self.absolute(dataDir), stateRoot: stateRoot,
                                                cgroupParent: cgroupParent, maxKillTimeout: killCap, keep: keep,
                                                datacenter: datacenter, region: region),
                                 printer: printer)
        let status = try AllocRun.blocking { try await session.run(job) }
        if status != 0 { throw ExitCode(status) }
    }

    /// Parses and validates a job file; prints every problem and exits 2 when there is one.
    static func load(_ path: String, variables: JobVariableInputs) throws -> Job {
        let schemas = RunSession.drivers(stateRoot: "/run/corral/tasks", cgroupParent: "corral").mapValues(\.configSchema)
        let job: Job
        do {
            job = try Jobspec.load(path: path, drivers: schemas, variables: variables)
        } catch {
            // Compiler style: file:line:column: message, the line, a caret.
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
        let directory = (absolute(path) as NSString).deletingLastPathComponent
        return JobPaths.resolve(job, relativeTo: directory)
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
