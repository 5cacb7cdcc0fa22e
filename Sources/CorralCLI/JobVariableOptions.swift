import ArgumentParser
import CorralJobspec
import Foundation

/// `-var NAME=VALUE` and `-var-file FILE` (repeatable, Nomad's single dash or two), and `NOMAD_VAR_<name>`
/// from the environment: the values of a job file's `variable` blocks.
struct JobVariableOptions: ParsableArguments {
    @Option(name: [.customLong("var"), .customLong("var", withSingleDash: true)],
            help: ArgumentHelp("Set a variable of the job file (repeatable); later ones win.", valueName: "name=value"))
    var assignments: [String] = []

    @Option(name: [.customLong("var-file"), .customLong("var-file", withSingleDash: true)],
            help: ArgumentHelp("Set variables from an HCL file of name = value lines (repeatable); -var wins over it.",
                               valueName: "file"))
    var files: [String] = []

    /// The inputs, the files read; an unreadable file is an invalid job file (exit 2), said plainly.
    func inputs() throws -> JobVariableInputs {
        var read: [JobVariableInputs.File] = []
        for path in files {
            do {
                read.append(JobVariableInputs.File(name: path, text: try JobFileReader.text(path, what: "variables file")))
            } catch {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                throw ExitCode(2)
            }
        }
        return JobVariableInputs(environment: JobVariableInputs.fromEnvironment(ProcessInfo.processInfo.environment),
                                 files: read, assignments: assignments)
    }
}
