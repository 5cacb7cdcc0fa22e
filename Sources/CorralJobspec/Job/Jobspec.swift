import CorralDriver
import CorralRunner

/// Job files (HCL native syntax, or Nomad's HCL-as-JSON) to the runner's `Job`.
///
/// ```hcl
/// job "hello" {
///   type = "batch"
///   group "greet" {
///     task "say" {
///       driver = "exec"
///       config { command = "/bin/echo" }
///     }
///   }
/// }
/// ```
///
/// is, in JSON, `{"job": {"hello": {"type": "batch", "group": {"greet": {"task": {"say": {"driver":
/// "exec", "config": {"command": "/bin/echo"}}}}}}}}`; both give the same `Job`. Every problem is
/// reported, each at its line and column.
package enum Jobspec {
    package enum Format: Sendable { case hcl, json }

    /// Parses and validates a job; `drivers` gives each known driver's config schema, so a task's
    /// `config` block is checked with positions too (when empty, any driver name is taken and no
    /// config is checked). `format` nil: JSON when `file` ends in `.json` or the text starts with
    /// `{`, else HCL. Throws every problem found, sorted by position.
    ///
    /// An HCL file is evaluated first (`HCLResolver`): its variables take their values from `variables`,
    /// and `directory`, the job file's own, is where `file()` reads (nil: file functions are refused, as
    /// for a job sent to the agent).
    package static func parse(_ text: String, file: String, format: Format? = nil,
                             drivers: [String: ConfigSchema] = [:], variables: JobVariableInputs = JobVariableInputs(),
                             directory: String? = nil) throws(JobspecError) -> Job {
        // A byte order mark is no part of the job (and would shift every column of line 1).
        let text = text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
        let format = format ?? detectFormat(file: file, text: text)
        let root: any BodyView
        switch format {
        case .hcl:
            var diagnostics = DiagnosticCollector()
            let resolved = HCLResolver.resolve(try HCLParser.parse(text, file: file), inputs: variables, directory: directory,
                                               diagnostics: &diagnostics)
            guard diagnostics.isEmpty else { throw diagnostics.jobspecError(file: file, text: text) }
            root = HCLBodyView(resolved)
        case .json:
            let value = try JSONSyntaxParser.parse(text, file: file, allowingComments: true)
            guard case .object(let items) = value.kind else {
                var diagnostics = DiagnosticCollector()
                diagnostics.error("expected an object at the top: {\"job\": {\"NAME\": {...}}}", at: value.range.start)
                throw diagnostics.jobspecError(file: file, text: text)
            }
            // Nomad's API form (`{"Job": {...}}`) is read as the HCL-as-JSON form it stands for.
            guard NomadAPIJob.isAPIForm(items) else {
                return try decode(ObjectBodyView(items), format: format, file: file, text: text, drivers: drivers)
            }
            var prior = DiagnosticCollector()
            let converted = NomadAPIJob.convert(items, at: value.range, diagnostics: &prior)
            return try decode(ObjectBodyView(converted), format: format, file: file, text: text, drivers: drivers, prior: prior)
        }
        return try decode(root, format: format, file: file, text: text, drivers: drivers)
    }

    /// Decodes a parsed file's body (`text` gives the source lines of the problems).
    static func decode(_ root: any BodyView, format: Format, file: String, text: String,
                       drivers: [String: ConfigSchema], prior: DiagnosticCollector = DiagnosticCollector()) throws(JobspecError) -> Job {
        var decoder = JobDecoder(drivers: drivers, format: format)
        decoder.diagnostics = prior
        let start = SourcePosition(line: 1, column: 1, offset: 0)
        let job = decoder.decodeFile(root, start: start)
        guard let job, decoder.diagnostics.isEmpty else { throw decoder.diagnostics.jobspecError(file: file, text: text) }
        // The decoder reports each bound at its line; the model's own check is the last word.
        for problem in JobLimits.problems(job) { decoder.diagnostics.error(problem, at: start) }
        guard decoder.diagnostics.isEmpty else { throw decoder.diagnostics.jobspecError(file: file, text: text) }
        return job
    }

    /// Reads and parses the job file at `path` (which names it in messages; `-` reads standard
    /// input, named `<stdin>`). The format is JSON when the name ends in `.json` or the text starts
    /// with `{`, else HCL.
    /// `variables` set the file's variables; `file()` reads from the file's directory (the working
    /// directory for standard input).
    package static func load(path: String, drivers: [String: ConfigSchema] = [:],
                             variables: JobVariableInputs = JobVariableInputs()) throws(JobspecError) -> Job {
        let text = try JobFileReader.text(path)
        let file = JobFileReader.displayName(path)
        let slash = path.lastIndex(of: "/")
        let directory = path == JobFileReader.standardInput ? "." : slash.map { String(path[...$0]) } ?? "."
        return try parse(text, file: file, format: detectFormat(file: file, text: text), drivers: drivers,
                         variables: variables, directory: directory)
    }

    /// JSON for a `.json` name or text whose first non-blank character is `{`; HCL otherwise.
    static func detectFormat(file: String, text: String) -> Format {
        if file.lowercased().hasSuffix(".json") { return .json }
        let first = text.unicodeScalars.first { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{FEFF}") }
        return first == "{" ? .json : .hcl
    }
}
