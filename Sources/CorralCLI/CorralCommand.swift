import ArgumentParser
import CCorralHost
import CorralIsolateCLI
#if canImport(Glibc)
import Glibc
#endif

/// The `corral` command: a container-isolating task runtime.
package struct Corral: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "corral",
        abstract: "Run tasks isolated in their own namespaces and root filesystem, held to their limits.",
        discussion: """
            Exit status, for every command: 0 success; 1 a job or allocation ended failed (run, job run); \
            2 a usage error (an unknown option, a missing or invalid value, an unknown signal) or an \
            invalid job file: nothing was started; 3 what was named does not exist (the agent's 404, an \
            unknown isolate task); 4 no agent answers at the address; 125 corral itself failed, or the \
            agent refused otherwise; 126 and 127 the command was found but could not be executed, or was \
            not found; 128+N a signal N killed it. isolate and alloc exec pass their command's status \
            through: for them every failure of corral or the agent is 125.
            """,
        version: corralVersion,
        subcommands: [Run.self, Validate.self, JobCommand.self, AllocCommand.self, NodeCommand.self, AgentCommand.self,
                      IsolateEntry.self, IsolatePs.self, IsolateLogs.self, IsolateKill.self, IsolatePrune.self,
                      DriverStart.self, AllocRun.self])

    package init() {}
}

/// Entry point with corral's exit-status conventions (`CLIExit`): 2 for usage errors, 3 for what
/// does not exist, 4 when no agent answers, 125 when corral itself fails, otherwise the task's own
/// status.
package enum CorralMain {
    package static func run(_ arguments: [String]) -> Int32 {
        // `isolate` is the start-latency-critical path: the lean `corral` executable runs it without
        // this binary (see IsolateMain); here it takes the same path for `corral-cli isolate`.
        if arguments.first == "isolate" {
            return IsolateMain.run(Array(arguments.dropFirst()))
        }
        if arguments.first == "help", arguments.dropFirst().first == "isolate" {
            printOut(IsolateMain.helpText)
            return 0
        }
        let command: ParsableCommand
        do {
            command = try Corral.parseAsRoot(arguments)
        } catch {
            let code = Corral.exitCode(for: error)
            let message = Corral.fullMessage(for: error)
            if code == .success {
                print(message)
                return 0
            }
            printError(message)
            return 2
        }
        do {
            var command = command
            try command.run()
            return 0
        } catch let failure as CLIFailure {
            printError(failure.description)
            return failure.exitStatus
        } catch {
            // `corral`, `corral --help` and `corral help isolate` end here with help to show.
            let code = Corral.exitCode(for: error)
            if code == .success {
                print(Corral.fullMessage(for: error))
                return 0
            }
            // A plain exit status (`ExitCode`) has no message to print.
            let message = Corral.fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            return code.rawValue
        }
    }
}
