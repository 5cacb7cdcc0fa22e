import CorralExecDriver
import CorralJobspec
import CorralSpelling

/// Reads the agent configuration's bodies onto `AgentSettings`, collecting every problem.
struct AgentConfigDecoder {
    var diagnostics = DiagnosticCollector()

    static let file = ConfigSchema(attributes: ["data_dir", "state_dir", "log_level", "log_format", "name", "datacenter", "region",
                                                "namespaces"],
                                   blocks: ["listen", "client"], labeled: ["plugin"])
    static let listen = ConfigSchema(attributes: ["socket", "tcp", "token"], blocks: ["tls"])
    static let tls = ConfigSchema(attributes: ["cert_file", "key_file"])
    static let client = ConfigSchema(attributes: ["max_kill_timeout", "chroot_env", "cgroup_parent", "gc_max_allocs",
                                                  "max_request_bytes", "bind_allowlist", "device_allowlist", "image_allowlist",
                                                  "allow_suid_writable_sources", "user_allowlist", "user_denylist"],
                                     maps: ["meta"])
    /// `plugin "NAME" { config { ... } }`: the drivers' options, as Nomad writes them.
    static let plugin = ConfigSchema(attributes: [], blocks: ["config"])
    static let pluginConfigs = ["exec": ConfigSchema(attributes: ["allow_caps", "allow_host_pid", "allow_host_ipc", "allow_host_network",
                                                                  "allow_seccomp_profiles"]),
                                "raw_exec": ConfigSchema(attributes: ["enabled"])]
    /// swift-log's levels, by the names `--log-level` takes.
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// `base` with every valid value in `root` set; the problems are in `diagnostics`.
    mutating func decode(_ root: ConfigBody, onto base: AgentSettings) -> AgentSettings {
        var settings = base
        let content = root.read(Self.file, context: "", diagnostics: &diagnostics)
        if let value = content.attributes["data_dir"], let path = absolutePath(value, "data_dir") { settings.dataDir = path }
        if let value = content.attributes["state_dir"], let path = absolutePath(value, "state_dir") { settings.stateRoot = path }
        if let value = content.attributes["log_level"], let level = logLevel(value, "log_level") { settings.logLevel = level }
        if let value = content.attributes["log_format"], let format = oneOf(AgentSettings.logFormats, value, "log_format") {
            settings.logFormat = format
        }
        if let value = content.attributes["name"], let name = string(value, "name") { settings.nodeName = name }
        if let value = content.attributes["datacenter"], let name = nonEmptyString(value, "datacenter") {
            settings.datacenter = name
        }
        if let value = content.attributes["region"], let name = nonEmptyString(value, "region") { settings.region = name }
        if let value = content.attributes["namespaces"], let names = namespaces(value, "namespaces") { settings.namespaces = names }
        if let listen = content.blocks["listen"] { decodeListen(listen, into: &settings) }
        if let client = content.blocks["client"] { decodeClient(client, into: &settings) }
        for (name, body) in (content.labeledBlocks["plugin"] ?? [:]).sorted(by: { $0.key < $1.key }) {
            decodePlugin(name, body, into: &settings)
        }
        return settings
    }

    private mutating func decodePlugin(_ name: String, _ body: ConfigBody, into settings: inout AgentSettings) {
        let context = "plugin \(name.debugDescription)"
        guard let schema = Self.pluginConfigs[name] else {
            // Reported at the block's first key: a labeled block's position is its type's.
            var message = "unknown plugin \(name.debugDescription) (this agent configures \(Self.pluginConfigs.keys.sorted().joined(separator: ", ")))"
            if let match = EditDistance.closest(to: name, among: Array(Self.pluginConfigs.keys)) { message += " (did you mean \(match.debugDescription)?)" }
            diagnostics.error(message, at: body.position ?? SourcePosition(line: 0, column: 0, offset: 0))
            return
        }
        let content = body.read(Self.plugin, context: context, diagnostics: &diagnostics)
        guard let config = content.blocks["config"] else { return }
        let values = config.read(schema, context: "\(context).config", diagnostics: &diagnostics)
        let path = "plugin.\(name).config"
        if let value = values.attributes["enabled"], let flag = bool(value, "\(path).enabled") { settings.rawExecEnabled = flag }
        if let value = values.attributes["allow_caps"], let caps = capabilities(value, "\(path).allow_caps") {
            settings.allowCaps = caps
        }
        if let value = values.attributes["allow_host_pid"], let flag = bool(value, "\(path).allow_host_pid") { settings.allowHostPID = flag }
        if let value = values.attributes["allow_host_ipc"], let flag = bool(value, "\(path).allow_host_ipc") { settings.allowHostIPC = flag }
        if let value = values.attributes["allow_host_network"], let flag = bool(value, "\(path).allow_host_network") {
            settings.allowHostNetwork = flag
        }
        if let value = values.attributes["allow_seccomp_profiles"], let flag = bool(value, "\(path).allow_seccomp_profiles") {
            settings.allowSeccompProfiles = flag
        }
    }

    private mutating func decodeListen(_ body: ConfigBody, into settings: inout AgentSettings) {
        let content = body.read(Self.listen, context: "listen", diagnostics: &diagnostics)
        if let value = content.attributes["socket"], let path = socketPath(value, "listen.socket") { settings.socketPath = path }
        if let value = content.attributes["tcp"], let address = tcpAddress(value, "listen.tcp") { settings.tcpAddress = address }
        if let value = content.attributes["token"], let token = nonEmptyString(value, "listen.token") { settings.tcpToken = token }
        if let tls = content.blocks["tls"] {
            let files = tls.read(Self.tls, context: "listen.tls", diagnostics: &diagnostics)
            let cert = files.attributes["cert_file"].flatMap { absolutePath($0, "listen.tls.cert_file") }
            let key = files.attributes["key_file"].flatMap { absolutePath($0, "listen.tls.key_file") }
            if let cert, let key {
                settings.tls = AgentSettings.TLSFiles(certFile: cert, keyFile: key)
            } else if files.attributes["cert_file"] == nil || files.attributes["key_file"] == nil {
                diagnostics.error("listen.tls: needs both cert_file and key_file", at: tls.position ?? SourcePosition(line: 0, column: 0, offset: 0))
            }
        }
    }

    private mutating func decodeClient(_ body: ConfigBody, into settings: inout AgentSettings) {
        let content = body.read(Self.client, context: "client", diagnostics: &diagnostics)
        if let value = content.attributes["max_kill_timeout"], let timeout = duration(value, "client.max_kill_timeout") {
            settings.maxKillTimeout = timeout
        }
        if let value = content.attributes["chroot_env"], let paths = absolutePaths(value, "client.chroot_env") {
            settings.chrootEnv = paths
        }
        if let value = content.attributes["cgroup_parent"], let parent = cgroupPath(value, "client.cgroup_parent") {
            settings.cgroupParent = parent
        }
        if let value = content.attributes["gc_max_allocs"], let count = positiveInteger(value, "client.gc_max_allocs") {
            settings.gcMaxAllocs = count
        }
        if let value = content.attributes["max_request_bytes"], let bytes = positiveInteger(value, "client.max_request_bytes") {
            settings.maxRequestBytes = bytes
        }
        if let value = content.attributes["bind_allowlist"], let paths = absolutePaths(value, "client.bind_allowlist") {
            settings.bindAllowlist = paths
        }
        if let value = content.attributes["device_allowlist"], let paths = absolutePaths(value, "client.device_allowlist") {
            settings.deviceAllowlist = paths
        }
        if let value = content.attributes["image_allowlist"], let paths = absolutePaths(value, "client.image_allowlist") {
            settings.imageAllowlist = paths
        }
        if let value = content.attributes["allow_suid_writable_sources"],
           let flag = bool(value, "client.allow_suid_writable_sources") {
            settings.allowSuidWritableSources = flag
        }
        if let value = content.attributes["user_allowlist"], let users = userList(value, "client.user_allowlist") {
            settings.userAllowlist = users
        }
        if let value = content.attributes["user_denylist"], let users = userList(value, "client.user_denylist") {
            settings.userDenylist = users
        }
        if let meta = content.blocks["meta"], let values = stringMap(meta, "client.meta") { settings.nodeMeta = values }
    }
}
