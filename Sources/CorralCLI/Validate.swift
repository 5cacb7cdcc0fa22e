import ArgumentParser
import CorralJobspec
import CorralRunner

/// `corral validate JOBFILE`: checks a job file without running anything; prints every problem
/// with its position and exits 2, or summarises the job and exits 0.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a job file (HCL or JSON) without running it.",
        discussion: "Exit status: 0 when the job is valid; 2 with every problem printed (file:line:column).")

    @Argument(help: ArgumentHelp("The job file; - reads it from standard input.", valueName: "jobfile"))
    var jobFile: String

    @OptionGroup var variables: JobVariableOptions

    func run() throws {
        let job = try Run.load(jobFile, variables: try variables.inputs())
        let tasks = job.groups.reduce(0) { $0 + $1.tasks.count }
        let groups = job.groups.count
        print("job \"\(job.name)\" (\(job.type.rawValue)) is valid: \(groups) group\(groups == 1 ? "" : "s"), "
              + "\(tasks) task\(tasks == 1 ? "" : "s")")
    }
}
