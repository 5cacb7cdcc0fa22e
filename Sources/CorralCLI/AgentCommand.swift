import ArgumentParser
import CorralAgent
import CorralDriver
import CorralIsolateCLI
import CorralJobspec
import CorralRunner
import Foundation

/// `corral agent`: the daemon that runs submitted jobs, serves the HTTP API, and survives its own
/// restarts (tasks keep running while it is down; the next agent restores them).
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the corral agent: jobs submitted over its HTTP API, kept running across agent restarts.",
        discussion: """
            The API listens on a unix socket (root only) and, with --listen HOST:PORT, also on TCP, where \
            every request must carry the agent's token of at least 16 characters (listen { token } in the config, or CORRAL_TOKEN in \
            the agent's environment; clients pass --token or CORRAL_TOKEN); an address that is not a loopback one \
            also needs listen { tls { cert_file, key_file } } (clients use https:// and --ca-cert). Jobs may not use \
            raw_exec, capabilities beyond allow_caps, host binds or devices unless the config allows them. \
            SIGTERM or SIGINT stops the agent and leaves every task \
            running; the next agent on the same data directory restores them. Settings come from the \
            defaults, then --config FILE, then these flags. See contrib/corral.service for systemd.
            """)

    @Option(help: ArgumentHelp("Agent settings (HCL or JSON): data_dir, listen, client { max_kill_timeout, chroot_env, ... }, plugin \"NAME\" { config }.",
                               valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Where the state database and allocation directories go (default /var/lib/corral).", valueName: "dir"))
    var dataDir: String?

    @Option(help: ArgumentHelp("Listen on a unix socket (a path; default /run/corral/corral.sock) or on TCP (HOST:PORT); repeat for both.",
                               valueName: "address"))
    var listen: [String] = []

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String?

    @Option(help: ArgumentHelp("text (default) or json: one JSON object per log line, for log collectors.", valueName: "format"))
    var logFormat: String?

    @Option(help: ArgumentHelp("Longest kill timeout any task gets (default 30s).", valueName: "duration"))
    var maxKillTimeout: String?

    @Option(help: ArgumentHelp("The cgroup task cgroups go under (default corral).", valueName: "path"))
    var cgroupParent: String?

    @Option(help: ArgumentHelp("Where the drivers keep per-task state (default /run/corral/tasks).", valueName: "dir",
                               visibility: .hidden))
    var stateRoot: String?

    @Option(help: ArgumentHelp("Crash-recovery tests: hold every task this long in prestart.", valueName: "duration",
                               visibility: .hidden))
    var testPrestartDelay: String?

    @Flag(help: ArgumentHelp("Replace a damaged state database with its backup (state.db.bak, written at each start and clean "
                             + "shutdown), keeping the damaged file as state.db.damaged-<time>, then start."))
    var recoverFromBackup = false

    func run() throws {
        let settings = try settings()
        if let refusal = RootRequirement.refusal("agent", alternatives: ["`systemctl start corral`"]) { throw CLIFailure(refusal) }
        let recover = recoverFromBackup
        try AllocRun.blocking { try await AgentRuntime(settings: settings, recoverFromBackup: recover).run() }
    }

    /// Defaults, then the config file, then the flags.
    func settings() throws -> AgentSettings {
        var settings = AgentSettings()
        if let config {
            do { settings = try AgentConfigFile.load(path: config, base: settings) } catch {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                throw ExitCode(2)
            }
        }
        if let dataDir { settings.dataDir = Run.absolute(dataDir) }
        if let stateRoot { settings.stateRoot = Run.absolute(stateRoot) }
        if let cgroupParent { settings.cgroupParent = cgroupParent }
        if let logFormat {
            guard AgentSettings.logFormats.contains(logFormat) else {
                throw ValidationError("--log-format \"\(logFormat)\": text or json")
            }
            settings.logFormat = logFormat
        }
        if let logLevel {
            guard AgentRuntime.logLevel(logLevel) != nil else {
                throw ValidationError("--log-level \"\(logLevel)\": trace, debug, info, notice, warning, error or critical")
            }
            settings.logLevel = logLevel
        }
        if let maxKillTimeout {
            guard let value = DurationParser.parse(maxKillTimeout), value > .zero else {
                throw ValidationError("--max-kill-timeout \"\(maxKillTimeout)\": not a duration (e.g. 30s)")
            }
            settings.maxKillTimeout = value
        }
        if let testPrestartDelay {
            guard let value = DurationParser.parse(testPrestartDelay) else {
                throw ValidationError("--test-prestart-delay \"\(testPrestartDelay)\": not a duration")
            }
            settings.testPrestartDelay = value
        }
        if settings.tcpToken == nil, let token = ProcessInfo.processInfo.environment["CORRAL_TOKEN"], !token.isEmpty {
            settings.tcpToken = token
        }
        var sawSocket = false
        for address in listen {
            if address.hasPrefix("/") || address.hasPrefix("./") || address.hasPrefix("unix://") {
                guard !sawSocket else { throw ValidationError("--listen: one unix socket at most") }
                sawSocket = true
                let path = address.hasPrefix("unix://") ? String(address.dropFirst(7)) : address
                settings.socketPath = Run.absolute(path)
            } else if let tcp = AgentSettings.TCPAddress(parsing: address.hasPrefix("http://") ? String(address.dropFirst(7)) : address) {
                settings.tcpAddress = tcp
            } else {
                throw ValidationError("--listen \"\(address)\": a socket path (/run/corral/corral.sock) or HOST:PORT (127.0.0.1:4646)")
            }
        }
        return settings
    }
}
