/// The body of every error response: a message for people and, for a job file that does not
/// parse or validate, every problem with its position.
package struct APIErrorBody: Codable, Equatable, Sendable {
    package var error: String
    /// For `POST /v1/jobs`: each problem in the job file (all of them, not just the first).
    package var diagnostics: [APIDiagnostic]?
    /// For an abbreviated id that matches several: the ids it matches.
    package var matches: [String]?
    /// For a `POST /v1/jobs` refused by its `job_modify_index` check: the job's current modify
    /// index (0 when the job does not exist).
    package var jobModifyIndex: UInt64?

    package init(error: String, diagnostics: [APIDiagnostic]? = nil, matches: [String]? = nil,
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
package struct APIDiagnostic: Codable, Equatable, Sendable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int
    package var message: String
    /// The offending source line (for printing a caret under `column`).
    package var source: String?

    package init(file: String, line: Int, column: Int, message: String, source: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.source = source
    }

    package var description: String { "\(file):\(line):\(column): \(message)" }
}
