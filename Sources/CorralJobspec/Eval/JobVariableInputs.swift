/// What the operator sets a job file's variables to, as Nomad takes them: `NOMAD_VAR_<name>` in the
/// environment, `-var-file FILE` (HCL: `name = value` lines), and `-var name=value`, later ones winning in
/// that order. Plain data, so that `corral job run` can send it to the agent with the job file.
package struct JobVariableInputs: Equatable, Sendable, Codable {
    /// A variables file: its name (for messages) and its text.
    package struct File: Equatable, Sendable, Codable {
        package var name: String
        package var text: String

        package init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    /// `NOMAD_VAR_<name>` values, by name.
    package var environment: [String: String]
    /// `-var-file` files, in the order given.
    package var files: [File]
    /// `-var name=value`, in the order given.
    package var assignments: [String]

    package init(environment: [String: String] = [:], files: [File] = [], assignments: [String] = []) {
        self.environment = environment
        self.files = files
        self.assignments = assignments
    }

    /// The `NOMAD_VAR_` entries of an environment.
    package static func fromEnvironment(_ environment: [String: String]) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in environment where key.hasPrefix("NOMAD_VAR_") && key.count > "NOMAD_VAR_".count {
            values[String(key.dropFirst("NOMAD_VAR_".count))] = value
        }
        return values
    }

    package var isEmpty: Bool { environment.isEmpty && files.isEmpty && assignments.isEmpty }
}
