import ArgumentParser
import CorralClient
import CorralJobspec
import Foundation

/// A job file as `job run` and `job plan` send it to the agent: its text, its name in messages, its
/// directory (for relative host paths) and its variables' values as the API's JSON.
struct AgentJobFile: Sendable {
    let source: String
    let name: String
    let directory: String
    let variables: String?

    /// Reads the file (`-`: standard input); an unreadable one is an invalid job file (exit 2), as for
    /// `corral run` and `validate`.
    init(_ path: String, variables options: JobVariableOptions) throws {
        do {
            source = try JobFileReader.text(path)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
        name = JobFileReader.displayName(path)
        directory = (Run.absolute(path) as NSString).deletingLastPathComponent
        let inputs = try options.inputs()
        variables = inputs.isEmpty ? nil : (try? JSONEncoder().encode(inputs)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The agent's refusal of an invalid file printed as `file:line:column` problems with carets (exit 2);
    /// any other error as it is.
    func fail(_ error: AgentClientError) throws -> Never {
        if case .api(400, let body) = error, let diagnostics = body.diagnostics, !diagnostics.isEmpty {
            Output.write(APIDiagnosticPrinter.render(diagnostics, source: source), to: 2)
            throw ExitCode(2)
        }
        throw error
    }
}
