import ArgumentParser
import CorralAPI
import CorralClient
import Foundation

/// `--address`, `--token` and `--ca-cert`, which every command that talks to the agent takes.
struct AgentOptions: ParsableArguments {
    @Option(name: [.long, .customLong("address", withSingleDash: true)], help: ArgumentHelp("The agent's address (unix socket path, host:port or https://host:port); default $CORRAL_ADDR, else /run/corral/corral.sock",
                               valueName: "address"))
    var address: String?

    @Option(name: [.long, .customLong("token", withSingleDash: true)], help: ArgumentHelp("The token of an agent listening on TCP; default $CORRAL_TOKEN.", valueName: "token"))
    var token: String?

    @Option(name: .customLong("ca-cert"),
            help: ArgumentHelp("The CA certificate (PEM) an https:// agent's certificate must chain to; default $CORRAL_CACERT, else the system's roots.",
                               valueName: "file"))
    var caCert: String?

    /// A client for the address given, `$CORRAL_ADDR`, or the default socket. An address that is
    /// none is a usage error (exit status 2), or with `commandStatus` (`alloc exec`) 125.
    func client(commandStatus: Bool = false) throws -> AgentClient {
        let environment = ProcessInfo.processInfo.environment
        do {
            return AgentClient(address: try AgentAddress.resolve(option: address, caCert: caCert.map(Run.absolute),
                                                                 environment: environment),
                               token: token ?? environment["CORRAL_TOKEN"])
        } catch {
            throw CLIFailure(error, commandStatus: commandStatus)
        }
    }
}

/// Runs a command's async work against the agent from its synchronous `run()` (as `corral run`
/// does: the main thread waits while the work runs on the cooperative pool). An agent error is a
/// `CLIFailure` (`corral: <description>`) with its exit status: 4 when no agent answers, 3 when the
/// agent says what was named does not exist, else 125; with `commandStatus` (`alloc exec`, whose
/// statuses below 125 are the command's) always 125.
enum AgentCall {
    static func run<Value: Sendable>(commandStatus: Bool = false,
                                     _ work: @escaping @Sendable () async throws -> Value) throws -> Value {
        do {
            return try AllocRun.blocking(work)
        } catch let error as AgentClientError {
            throw CLIFailure(error, commandStatus: commandStatus)
        }
    }

    /// Prints a value as the API's JSON (pretty, sorted keys) on stdout.
    static func printJSON(_ value: some Encodable, pretty: Bool = true) throws {
        do {
            let data = try APICoding.encoder(pretty: pretty).encode(value)
            Output.write(String(decoding: data, as: UTF8.self) + "\n")
        } catch {
            throw CLIFailure("cannot encode the answer as JSON: \(error)")
        }
    }
}
