import CorralJobspec

/// Reads the agent configuration's bodies onto `AgentSettings`, collecting every problem.
struct AgentConfigDecoder {
    var diagnostics = DiagnosticCollector()

    static let file = ConfigSchema(attributes: ["data_dir", "state_dir", "log_level", "name", "datacenter", "region"],
                                   blocks: ["listen", "client"])
    static let listen = ConfigSchema(attributes: ["socket", "tcp", "token"])
    static let client = ConfigSchema(attributes: ["max_kill_timeout", "chroot_env", "cgroup_parent", "gc_max_allocs",
                                                  "max_request_bytes"],
                                     maps: ["meta"])
    /// swift-log's levels, by the names `--log-level` takes.
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// `base` with every valid value in `root` set; the problems are in `diagnostics`.
    mutating func decode(_ root: ConfigBody, onto base: AgentSettings) -> AgentSettings {
        var settings = base
        let content = root.read(Self.file, context: "", diagnostics: &diagnostics)
        if let value = content.attributes["data_dir"], let path = absolutePath(value, "data_dir") { settings.dataDir = path }
        if let value = content.attributes["state_dir"], let path = absolutePath(value, "state_dir") { settings.stateRoot = path }
        if let value = content.attributes["log_level"], let level = logLevel(value, "log_level") { settings.logLevel = level }
        if let value = content.attributes["name"], let name = string(value, "name") { settings.nodeName = name }
        if let value = content.attributes["datacenter"], let name = nonEmptyString(value, "datacenter") {
            settings.datacenter = name
        }
        if let value = content.attributes["region"], let name = nonEmptyString(value, "region") { settings.region = name }
        if let listen = content.blocks["listen"] { decodeListen(listen, into: &settings) }
        if let client = content.blocks["client"] { decodeClient(client, into: &settings) }
        return settings
    }

    private mutating func decodeListen(_ body: ConfigBody, into settings: inout AgentSettings) {
        let content = body.read(Self.listen, context: "listen", diagnostics: &diagnostics)
        if let value = content.attributes["socket"], let path = socketPath(value, "listen.socket") { settings.socketPath = path }
        if let value = content.attributes["tcp"], let address = tcpAddress(value, "listen.tcp") { settings.tcpAddress = address }
        if let value = content.attributes["token"], let token = nonEmptyString(value, "listen.token") { settings.tcpToken = token }
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
        if let meta = content.blocks["meta"], let values = stringMap(meta, "client.meta") { settings.nodeMeta = values }
    }
}
