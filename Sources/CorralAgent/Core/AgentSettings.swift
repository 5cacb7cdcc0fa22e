import CorralExecDriver
import CorralRunner
import Foundation

/// How an agent runs: where it keeps its state, where it listens, what its node is called, and the
/// limits it imposes. Defaults are an operator's expectations on a single host; `--config FILE` and
/// the command's flags override them (flags last).
package struct AgentSettings: Sendable, Equatable {
    /// The SQLite state database (`state.db`), allocation directories (`alloc/`), the node id.
    package var dataDir = "/var/lib/corral"
    /// Where the drivers keep per-task state (supervisor status, handles); a tmpfs, so a reboot
    /// (which ends every task) also forgets them.
    package var stateRoot = "/run/corral/tasks"
    /// The unix socket the API listens on (mode 0600: root only).
    package var socketPath = "/run/corral/corral.sock"
    /// Also listen on TCP (`127.0.0.1:4646`), when set.
    package var tcpAddress: TCPAddress?
    /// What a request on the TCP listener must carry in `X-Corral-Token`. Required with
    /// `tcpAddress`: without it, any local user (or a web page, through a browser) could run tasks
    /// as root through the port.
    package var tcpToken: String?
    /// `listen { tls { cert_file, key_file } }`: the TCP listener speaks HTTPS with this certificate.
    /// Required for a TCP address that is not a loopback one (the token would cross the network in the clear).
    package var tls: TLSFiles?
    /// `plugin "raw_exec" { config { enabled = true } }`: off by default, since a raw_exec task runs
    /// on the host unisolated, as root.
    package var rawExecEnabled = false
    /// `plugin "exec" { config { allow_caps = [...] } }`: what an exec task's `cap_add` may name
    /// (lower-case, without `cap_`; `all` for any).
    package var allowCaps: [String] = DriverPolicy.defaultAllowedCapabilities
    /// `client { bind_allowlist = [...] }`: host paths (with what lies beneath) tasks may bind; none by default.
    package var bindAllowlist: [String] = []
    /// `client { device_allowlist = [...] }`: host devices (or directories of them) tasks may be given; none by default.
    package var deviceAllowlist: [String] = []
    /// `client { image_allowlist = [...] }`: host directories (with what lies beneath) an exec task's
    /// `image` may be; none by default (an image is the task's writable root).
    package var imageAllowlist: [String] = []
    /// `client { allow_suid_writable_sources = true }`: let an image or a writable bind source lie
    /// on a host mount without `nosuid,nodev` (off: a root task could plant set-uid binaries or
    /// device nodes there for local users).
    package var allowSuidWritableSources = false
    /// `plugin "exec" { config { allow_host_pid, allow_host_ipc, allow_host_network } }`: whether an
    /// exec task may share the host's pid, IPC or network namespace; all off by default.
    package var allowHostPID = false
    package var allowHostIPC = false
    package var allowHostNetwork = false
    /// `plugin "exec" { config { allow_seccomp_profiles = true } }`: whether an exec task may name a
    /// `seccomp_profile` other than `default` (`unconfined`, a host file); off by default.
    package var allowSeccompProfiles = false
    /// `client { user_allowlist = [...] }`: the users (names or ids, with their groups) exec tasks
    /// may run as; nil: any not denied.
    package var userAllowlist: [String]?
    /// `client { user_denylist = [...] }`: users (and their groups) exec tasks may not run as; root
    /// by default, as Nomad's `user.denylist`.
    package var userDenylist: [String] = UserPolicy.defaultDenylist
    /// The longest `kill_timeout` any task gets.
    package var maxKillTimeout: Duration = .seconds(30)
    /// Host directories bound read-only into an `exec` task's root when it names no image.
    package var chrootEnv: [String]?
    /// The cgroup every task cgroup goes under.
    package var cgroupParent = "corral"
    package var logLevel = "info"
    /// `text` (swift-log's lines) or `json` (one object per line, for log collectors): `logFormats`.
    package var logFormat = "text"
    /// The values of `log_format` and `--log-format`.
    package static let logFormats = ["text", "json"]
    /// Node identity (Nomad's `name`, `datacenter`, `region`, `meta`). Empty name: the host name.
    package var nodeName = ""
    package var datacenter = "dc1"
    package var region = "global"
    /// The namespaces a job may name (`namespaces`); `default` is always one.
    package var namespaces = ["default"]
    package var nodeMeta: [String: String] = [:]
    /// Request bodies above this are refused with 413.
    package var maxRequestBytes = 1 << 20
    /// Terminal allocations kept for `status` and `logs`; older ones are removed (directories,
    /// logs and state) as new ones finish, as Nomad's client garbage collector does.
    package var gcMaxAllocs = 50
    /// For the crash-recovery tests: every task's prestart waits this long (a window in which to
    /// SIGKILL the agent mid-start). Never set in production.
    package var testPrestartDelay: Duration?

    package init() {}

    /// The shortest `listen.token` (or `CORRAL_TOKEN`) a TCP listener takes.
    package static let minimumTokenLength = 16

    /// What tasks may ask of the drivers on this agent: the knobs above, and corral's own
    /// directories (data, task state, the API socket's directory, isolate's state) kept out of reach.
    package var driverPolicy: DriverPolicy {
        let socketDirectory = socketPath.split(separator: "/").dropLast().joined(separator: "/")
        return DriverPolicy(rawExecEnabled: rawExecEnabled, allowedCapabilities: allowCaps, bindAllowlist: bindAllowlist,
                            deviceAllowlist: deviceAllowlist,
                            protectedPaths: [dataDir, stateRoot, "/" + socketDirectory, DriverPolicy.isolateStateDirectory]
                                .reduce(into: []) { if !$0.contains($1) { $0.append($1) } },
                            imageAllowlist: imageAllowlist, allowSuidWritableSources: allowSuidWritableSources,
                            hostNamespaces: .init(pid: allowHostPID, ipc: allowHostIPC, network: allowHostNetwork),
                            users: userPolicy)
            .allowingSeccompProfiles(allowSeccompProfiles)
    }

    /// The user lists by number, through the host's `/etc/passwd` and `/etc/group` (the configuration
    /// file's entries were checked when it was read). An entry the host no longer knows leaves the
    /// allow-list closed to it and the deny-list as it is for the others.
    var userPolicy: UserPolicy {
        let passwd = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? ""
        let group = (try? String(contentsOfFile: "/etc/group", encoding: .utf8)) ?? ""
        func resolve(_ list: [String]) -> [UserPolicy.Entry] {
            list.flatMap { (try? UserPolicy.entries([$0], passwd: passwd, group: group)) ?? [] }
        }
        return UserPolicy(allow: userAllowlist.map(resolve), deny: resolve(userDenylist))
    }

    package var storePath: String { dataDir + "/state.db" }
    package var allocRoot: String { dataDir + "/alloc" }

    /// The listener's certificate chain and private key (PEM files).
    package struct TLSFiles: Sendable, Equatable {
        package var certFile: String
        package var keyFile: String

        package init(certFile: String, keyFile: String) {
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    /// A TCP listen address.
    package struct TCPAddress: Sendable, Equatable, CustomStringConvertible {
        package var host: String
        package var port: Int

        package init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `127.0.0.1:4646` or `[::1]:4646`; nil when malformed.
        package init?(parsing text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                  (1...65535).contains(port) else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }

        package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// `127.0.0.0/8`, `::1` or `localhost`: reachable from this host only.
        package var isLoopback: Bool {
            let name = host.lowercased()
            if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
            let octets = name.split(separator: ".", omittingEmptySubsequences: false)
            return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        }
    }
}
