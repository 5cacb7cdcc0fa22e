import ArgumentParser
import CCorralHost
#if canImport(Glibc)
import Glibc
#endif

/// The `corral` command: a container-isolating task runtime.
public struct Corral: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "corral",
        abstract: "Run tasks isolated in their own namespaces and root filesystem, held to their limits.",
        version: "0.1.0",
        subcommands: [Run.self, Validate.self, JobCommand.self, AllocCommand.self, NodeCommand.self, AgentCommand.self,
                      Isolate.self, DriverStart.self, AllocRun.self])

    public init() {}
}

/// Entry point with corral's exit-status conventions: 2 for usage errors, 125 when corral itself
/// fails, otherwise the task's own status.
public enum CorralMain {
    public static func run(_ arguments: [String]) -> Int32 {
        let command: ParsableCommand
        do {
            // `isolate` is the start-latency-critical path: parse it directly as a pseudo-root (its
            // help still reads `corral isolate`) instead of through the tree and completion probe.
            if arguments.first == "isolate" {
                command = try Isolate.parseAsRoot(Array(arguments.dropFirst()))
            } else {
                command = try Corral.parseAsRoot(arguments)
            }
        } catch {
            let code = Corral.exitCode(for: error)
            let message = Corral.fullMessage(for: error)
            if code == .success {
                print(message)
                return 0
            }
            printError(message.replacing("See 'isolate --help'", with: "See 'corral isolate --help'"))
            return 2
        }
        if let isolate = command as? Isolate {
            return isolate.execute()
        }
        do {
            var command = command
            try command.run()
            return 0
        } catch let failure as CLIFailure {
            printError(failure.description)
            return 125
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

/// Writes one line to stderr, prefixed `corral: ` unless the message already is.
func printError(_ message: String) {
    let line = message.hasPrefix("corral") || message.hasPrefix("Error:") || message.hasPrefix("Usage:")
        ? message : "corral: " + message
    let bytes = Array((line.hasSuffix("\n") ? line : line + "\n").utf8)
    _ = bytes.withUnsafeBytes { corral_write_all(2, $0.baseAddress, $0.count) }
}
