import CorralDriver
import CorralRunner

/// Job files (HCL native syntax, or Nomad's HCL-as-JSON) to the runner's `Job`. STUB: being written.
public enum Jobspec {
    public enum Format: Sendable { case hcl, json }

    /// Parses and validates a job; `drivers` gives each known driver's config schema, so a task's
    /// `config` block is checked with positions too. Throws every problem found.
    public static func parse(_ text: String, file: String, format: Format? = nil,
                             drivers: [String: ConfigSchema] = [:]) throws(JobspecError) -> Job {
        _ = try HCLParser.parse(text, file: file)
        throw JobspecError([])
    }
}
