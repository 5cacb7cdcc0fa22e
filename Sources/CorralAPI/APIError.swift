/// The body of every error response: a message for people and, for a job file that does not
/// parse or validate, every problem with its position.
public struct APIErrorBody: Codable, Equatable, Sendable {
    public var error: String
    /// For `POST /v1/jobs`: each problem in the job file (all of them, not just the first).
    public var diagnostics: [APIDiagnostic]?
    /// For an abbreviated id that matches several: the ids it matches.
    public var matches: [String]?
    /// For a `POST /v1/jobs` refused by its `job_modify_index` check: the job's current modify
    /// index (0 when the job does not exist).
    public var jobModifyIndex: UInt64?

    public init(error: String, diagnostics: [APIDiagnostic]? = nil, matches: [String]? = nil,
                jobModifyIndex: UInt64? = nil) {
        self.error = error
        self.diagnostics = diagnostics
        self.matches = matches
        self.jobModifyIndex = jobModifyIndex
    }

    enum CodingKeys: String, CodingKey {
        case error, diagnostics, matches
        case jobModifyIndex = "job_modify_index"
    }
}

/// One problem in a submitted job file, at `file:line:column`.
public struct APIDiagnostic: Codable, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    /// The offending source line (for printing a caret under `column`).
    public var source: String?

    public init(file: String, line: Int, column: Int, message: String, source: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.source = source
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}
