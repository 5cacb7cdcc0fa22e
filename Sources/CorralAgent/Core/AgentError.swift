import CorralAPI
import CorralJobspec

/// Why an agent request failed, with the HTTP status it maps to and the body a client gets.
package enum AgentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No job, allocation or task of that id or name.
    case notFound(what: String, id: String)
    /// An abbreviated allocation id matching several allocations.
    case ambiguous(prefix: String, matches: [String])
    /// A request the agent cannot act on as given (a bad field or query value).
    case badRequest(String)
    /// A job file that does not parse or validate: every problem, with positions.
    case invalidJob(JobspecError)
    /// The request conflicts with the state of things: the job does not fit the node, the task is
    /// not running.
    case conflict(String)
    /// A submission with `job_modify_index` (`job run -check-index`) whose index is not the
    /// job's: `current` is the job's modify index, 0 when no such job exists.
    case indexMismatch(job: String, expected: UInt64, current: UInt64)
    /// The agent itself failed (its store, a driver).
    case failed(String)

    package var description: String {
        switch self {
        case let .notFound(what, id): "no \(what) \"\(id)\""
        case let .ambiguous(prefix, matches):
            "\"\(prefix)\" matches \(matches.count) allocations (\(matches.joined(separator: ", "))): give more of the id"
        case let .badRequest(message), let .conflict(message), let .failed(message): message
        case let .indexMismatch(job, expected, current):
            expected == 0 ? "enforcing job modify index 0: job \"\(job)\" already exists (job modify index \(current))"
                : current == 0 ? "enforcing job modify index \(expected): job \"\(job)\" does not exist"
                : "enforcing job modify index \(expected): job \"\(job)\" has job modify index \(current)"
        case let .invalidJob(error):
            "the job file has \(error.diagnostics.count) problem\(error.diagnostics.count == 1 ? "" : "s"):\n\(error)"
        }
    }

    /// The HTTP status code.
    package var status: Int {
        switch self {
        case .notFound: 404
        case .ambiguous, .badRequest, .invalidJob: 400
        case .conflict, .indexMismatch: 409
        case .failed: 500
        }
    }

    /// The JSON body.
    package var body: APIErrorBody {
        switch self {
        case let .ambiguous(_, matches): APIErrorBody(error: description, matches: matches)
        case let .invalidJob(error):
            APIErrorBody(error: "the job file has \(error.diagnostics.count) problem\(error.diagnostics.count == 1 ? "" : "s")",
                         diagnostics: error.diagnostics.map {
                             APIDiagnostic(file: $0.file, line: $0.position.line, column: $0.position.column,
                                           message: $0.message, source: $0.sourceLine.isEmpty ? nil : $0.sourceLine)
                         })
        case let .indexMismatch(_, _, current): APIErrorBody(error: description, jobModifyIndex: current)
        default: APIErrorBody(error: description)
        }
    }
}
