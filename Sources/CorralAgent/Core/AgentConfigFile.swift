import CorralJobspec

/// `corral agent --config FILE`: the agent's configuration file, in HCL or JSON, onto `AgentSettings`.
///
/// ```hcl
/// data_dir   = "/var/lib/corral"
/// state_dir  = "/run/corral/tasks"
/// log_level  = "info"
/// name       = "node-1"
/// datacenter = "dc1"
/// region     = "global"
/// listen {
///   socket = "/run/corral/corral.sock"
///   tcp    = "127.0.0.1:4646"
///   token  = "at-least-16-characters"
///   tls {
///     cert_file = "/etc/corral/agent.pem"
///     key_file  = "/etc/corral/agent.key"
///   }
/// }
/// client {
///   max_kill_timeout  = "30s"
///   chroot_env        = ["/bin", "/etc", "/lib", "/lib64", "/usr"]
///   cgroup_parent     = "corral"
///   gc_max_allocs     = 50
///   max_request_bytes = 1048576
///   bind_allowlist    = ["/srv/shared"]
///   device_allowlist  = ["/dev/fuse"]
///   meta { rack = "r1" }
/// }
/// plugin "raw_exec" { config { enabled = true } }
/// plugin "exec" { config { allow_caps = ["chown", "net_raw"] } }
/// ```
///
/// is, in JSON, the same keys with `listen`, `client` and `meta` as objects, and `plugin` as an
/// object of bodies by name (`"plugin": {"raw_exec": {"config": {"enabled": true}}}`). Keys left out keep the
/// base settings' values, and so does a key set to `null`. Values are literals: a string holding
/// `${...}` or `%{...}` is refused (`$${` and `%%{` write a literal `${` and `%{`). Every problem
/// is reported, each at its line and column, sorted by position.
package enum AgentConfigFile {
    /// Parses an agent configuration (HCL, or JSON when the name ends in .json or the text starts with `{`)
    /// onto `base` (keys absent keep base's values). Throws every problem found with file:line:column.
    package static func parse(_ text: String, file: String, base: AgentSettings = AgentSettings()) throws(JobspecError)
        -> AgentSettings {
        // A byte order mark is no part of the configuration (and would shift every column of line 1).
        let text = text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
        let root: ConfigBody
        if isJSON(file: file, text: text) {
            let value = try JSONSyntaxParser.parse(text, file: file)
            guard case .object(let items) = value.kind else {
                var diagnostics = DiagnosticCollector()
                diagnostics.error("expected an object at the top of the agent configuration, found \(value.foundDescription)",
                                  at: value.range.start)
                throw diagnostics.jobspecError(file: file, text: text)
            }
            root = ConfigBody(.object(items))
        } else {
            root = ConfigBody(.hcl(try HCLParser.parse(text, file: file).templatesAsText()))
        }
        var decoder = AgentConfigDecoder()
        let settings = decoder.decode(root, onto: base)
        guard decoder.diagnostics.isEmpty else { throw decoder.diagnostics.jobspecError(file: file, text: text) }
        return settings
    }

    /// Reads and parses the configuration file at `path` (which names it in messages). A file that
    /// cannot be read is one diagnostic with no position (line 0) saying why (`No such file or directory`).
    package static func load(path: String, base: AgentSettings = AgentSettings()) throws(JobspecError) -> AgentSettings {
        let text = try JobFileReader.text(path, what: "agent configuration file")
        return try parse(text, file: path, base: base)
    }

    /// JSON for a `.json` name or text whose first non-blank character is `{`; HCL otherwise.
    static func isJSON(file: String, text: String) -> Bool {
        if file.lowercased().hasSuffix(".json") { return true }
        let first = text.unicodeScalars.first { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r") }
        return first == "{"
    }
}
