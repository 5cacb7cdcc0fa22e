import CorralAgent
import CorralJobspec
import Foundation
import Testing

@Suite("Agent configuration file")
struct AgentConfigFileTests {
    static let fullHCL = """
        # The agent on node-1.
        data_dir   = "/srv/corral"
        state_dir  = "/run/corral-test/tasks"
        log_level  = "debug"
        name       = "node-1"
        datacenter = "dc2"
        region     = "europe"
        namespaces = ["default", "team-a"]
        listen {
          socket = "/run/corral-test/corral.sock"
          tcp    = "[::1]:4747"
        }
        client {
          max_kill_timeout  = "1m30s"
          chroot_env        = ["/bin", "/etc", "/lib", "/lib64", "/usr"]
          cgroup_parent     = "system.slice/corral"
          gc_max_allocs     = 20
          max_request_bytes = 65536
          meta {
            rack = "r1"
            zone = 3
            note = "costs $${price}"
          }
        }
        """

    static let fullJSON = """
        {
          "data_dir": "/srv/corral",
          "state_dir": "/run/corral-test/tasks",
          "log_level": "debug",
          "name": "node-1",
          "datacenter": "dc2",
          "region": "europe",
          "namespaces": ["default", "team-a"],
          "listen": {"socket": "/run/corral-test/corral.sock", "tcp": "[::1]:4747"},
          "client": {
            "max_kill_timeout": 90,
            "chroot_env": ["/bin", "/etc", "/lib", "/lib64", "/usr"],
            "cgroup_parent": "system.slice/corral",
            "gc_max_allocs": 20,
            "max_request_bytes": 65536,
            "meta": {"rack": "r1", "zone": 3, "note": "costs $${price}"}
          }
        }
        """

    /// What `fullHCL` and `fullJSON` say: every setting differs from the default.
    static var fullSettings: AgentSettings {
        var settings = AgentSettings()
        settings.dataDir = "/srv/corral"
        settings.stateRoot = "/run/corral-test/tasks"
        settings.logLevel = "debug"
        settings.nodeName = "node-1"
        settings.datacenter = "dc2"
        settings.region = "europe"
        settings.namespaces = ["default", "team-a"]
        settings.socketPath = "/run/corral-test/corral.sock"
        settings.tcpAddress = AgentSettings.TCPAddress(host: "::1", port: 4747)
        settings.maxKillTimeout = .seconds(90)
        settings.chrootEnv = ["/bin", "/etc", "/lib", "/lib64", "/usr"]
        settings.cgroupParent = "system.slice/corral"
        settings.gcMaxAllocs = 20
        settings.maxRequestBytes = 65536
        settings.nodeMeta = ["rack": "r1", "zone": "3", "note": "costs ${price}"]
        return settings
    }

    /// The first line of each problem (`file:line:col: message`), or a recorded issue when it parses.
    func problems(_ text: String, file: String = "agent.hcl", sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        do throws(JobspecError) {
            let settings = try AgentConfigFile.parse(text, file: file)
            Issue.record("expected problems, parsed \(settings)", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.diagnostics.map { String($0.description.split(separator: "\n", omittingEmptySubsequences: false)[0]) }
        }
    }

    /// A fresh directory, removed after `body`.
    func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agentconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.path)
    }

    // MARK: Valid files

    @Test("a full HCL file and the same in JSON give equal settings, every one as written")
    func fullFile() throws {
        let fromHCL = try AgentConfigFile.parse(Self.fullHCL, file: "agent.hcl")
        let fromJSON = try AgentConfigFile.parse(Self.fullJSON, file: "agent.json")
        #expect(fromHCL == Self.fullSettings)
        #expect(fromJSON == Self.fullSettings)
        #expect(fromHCL != AgentSettings())
        // JSON by its first character when the name says nothing.
        #expect(try AgentConfigFile.parse("\n  " + Self.fullJSON, file: "agent.conf") == Self.fullSettings)
    }

    @Test("keys left out, or null, keep the base's values; an empty file is the base")
    func absentKeysKeepTheBase() throws {
        var base = AgentSettings()
        base.dataDir = "/base/data"
        base.socketPath = "/base/corral.sock"
        base.tcpAddress = AgentSettings.TCPAddress(host: "10.0.0.1", port: 4646)
        base.gcMaxAllocs = 7
        base.nodeMeta = ["from": "base"]
        base.chrootEnv = ["/opt"]

        #expect(try AgentConfigFile.parse("", file: "agent.hcl", base: base) == base)
        #expect(try AgentConfigFile.parse("{}", file: "agent.json", base: base) == base)

        let hcl = """
            log_level = "warning"
            log_format = "json"
            data_dir  = null
            client {
              gc_max_allocs = 3
            }
            listen {}
            """
        var expected = base
        expected.logLevel = "warning"
        expected.logFormat = "json"
        expected.gcMaxAllocs = 3
        #expect(try AgentConfigFile.parse(hcl, file: "agent.hcl", base: base) == expected)
        let json = #"{"log_level": "warning", "log_format": "json", "data_dir": null, "client": [{"gc_max_allocs": 3}], "listen": null}"#
        #expect(try AgentConfigFile.parse(json, file: "agent.json", base: base) == expected)
    }

    @Test("durations: Go strings or numbers of seconds; meta also as an object attribute")
    func valueForms() throws {
        let cases: [(String, Duration)] = [
            (#""30s""#, .seconds(30)), (#""500ms""#, .milliseconds(500)), (#""1h""#, .seconds(3600)),
            ("45", .seconds(45)), ("0.25", .milliseconds(250)),
        ]
        for (written, expected) in cases {
            let settings = try AgentConfigFile.parse("client {\n  max_kill_timeout = \(written)\n}", file: "agent.hcl")
            #expect(settings.maxKillTimeout == expected, "\(written)")
        }
        let settings = try AgentConfigFile.parse(#"client { meta = { rack = "r2", ssd = true } }"#, file: "agent.hcl")
        #expect(settings.nodeMeta == ["rack": "r2", "ssd": "true"])
        #expect(try AgentConfigFile.parse(#"listen { tcp = "localhost:80" }"#, file: "a.hcl").tcpAddress
            == AgentSettings.TCPAddress(host: "localhost", port: 80))
    }

    // MARK: Problems, each at its place

    @Test("unknown attributes and blocks, with the closest known name when one is close")
    func unknownNames() {
        #expect(problems(#"data_dri = "/x""#) == [
            #"agent.hcl:1:1: unknown attribute "data_dri" in the agent configuration (did you mean "data_dir"?)"#,
        ])
        #expect(problems("client {\n  metta {\n  }\n  colour = 1\n}\nservr {}") == [
            #"agent.hcl:2:3: unknown block "metta" in client (did you mean "meta"?)"#,
            #"agent.hcl:4:3: unknown attribute "colour" in client"#,
            #"agent.hcl:6:1: unknown block "servr" in the agent configuration"#,
        ])
        #expect(problems("{\n  \"listen\": {\"sockt\": \"/a\"}\n}", file: "agent.json") == [
            #"agent.json:2:14: unknown attribute "sockt" in listen (did you mean "socket"?)"#,
        ])
    }

    @Test("values of the wrong type say what was expected and what was found")
    func wrongTypes() {
        #expect(problems("client {\n  max_kill_timeout = true\n}") == [
            #"agent.hcl:2:22: client.max_kill_timeout: expected a duration such as "30s", found true"#,
        ])
        let json = """
            {"data_dir": 5, "name": ["a"], "log_level": false,
             "client": {"gc_max_allocs": "50", "chroot_env": "/bin", "meta": {"rack": ["r1"]}},
             "listen": "/run/x.sock"}
            """
        #expect(problems(json, file: "agent.json") == [
            "agent.json:1:14: data_dir: expected an absolute path, found 5",
            #"agent.json:1:25: name: expected a string, found a list"#,
            "agent.json:1:45: log_level: expected one of trace, debug, info, notice, warning, error, critical, found false",
            #"agent.json:2:30: client.gc_max_allocs: expected a positive integer, found "50""#,
            #"agent.json:2:50: client.chroot_env: expected a list of absolute paths, found "/bin""#,
            "agent.json:2:75: client.meta.rack: expected a string, found a list",
            #"agent.json:3:12: listen: expected a block (an object), found "/run/x.sock""#,
        ])
        #expect(problems("data_dir {}\nclient = {}\nlisten \"x\" {}") == [
            "agent.hcl:1:1: data_dir is an attribute, not a block: write data_dir = ...",
            "agent.hcl:2:1: client is a block, not an attribute: write client { ... }",
            "agent.hcl:3:8: listen block takes no name",
        ])
        #expect(problems("[1]", file: "agent.json") == ["agent.json:1:1: expected an object at the top of the agent configuration, found a list"])
    }

    @Test("values are validated: paths, levels, integers, durations, addresses, cgroup paths")
    func invalidValues() {
        let text = """
            data_dir  = "var/lib/corral"
            state_dir = ""
            log_level = "infoo"
            region    = ""
            listen {
              socket = "/\(String(repeating: "s", count: 110))"
              tcp    = "127.0.0.1"
            }
            client {
              max_kill_timeout  = "0s"
              chroot_env        = ["/bin", "usr"]
              cgroup_parent     = "../escape"
              gc_max_allocs     = 0
              max_request_bytes = 1.5
            }
            """
        #expect(problems(text) == [
            #"agent.hcl:1:13: data_dir: expected an absolute path, found "var/lib/corral""#,
            #"agent.hcl:2:13: state_dir: expected an absolute path, found """#,
            #"agent.hcl:3:13: log_level: expected one of trace, debug, info, notice, warning, error, critical, found "infoo" (did you mean "info"?)"#,
            #"agent.hcl:4:13: region: expected a non-empty string, found """#,
            "agent.hcl:6:12: listen.socket: a unix socket path is at most 107 bytes, found 111",
            #"agent.hcl:7:12: listen.tcp: expected host:port such as "127.0.0.1:4646", found "127.0.0.1""#,
            #"agent.hcl:10:23: client.max_kill_timeout: must be longer than zero, found "0s""#,
            #"agent.hcl:11:32: client.chroot_env[1]: expected an absolute path, found "usr""#,
            #"agent.hcl:12:23: client.cgroup_parent: expected a relative cgroup path such as "corral" (without . or ..), found "../escape""#,
            "agent.hcl:13:23: client.gc_max_allocs: expected a positive integer, found 0",
            "agent.hcl:14:23: client.max_request_bytes: expected a positive integer, found 1.5",
        ])
        #expect(problems("client {\n  max_kill_timeout = \"30 seconds\"\n  gc_max_allocs = 1e30\n}") == [
            #"agent.hcl:2:22: client.max_kill_timeout: expected a duration such as "30s", found "30 seconds""#,
            "agent.hcl:3:19: client.gc_max_allocs: 1e30 is out of range",
        ])
        #expect(problems(#"{"client": {"max_kill_timeout": -5}}"#, file: "a.json") == [
            "a.json:1:33: client.max_kill_timeout: must be longer than zero, found -5",
        ])
    }

    @Test("a key, block or meta key given twice is reported at the second")
    func duplicates() {
        // HCL's parser refuses an attribute given twice in one body itself (the first problem only).
        #expect(problems("name = \"a\"\nname = \"b\"") == [#"agent.hcl:2:1: attribute "name" is set twice (first at 1:1)"#])
        #expect(problems("client {\n  meta {}\n  meta = {}\n}\nlisten {}\nclient {}\nlisten {}") == [
            #"agent.hcl:3:3: block "meta" is set twice in client (first at 2:3)"#,
            #"agent.hcl:6:1: block "client" is set twice (first at 1:1)"#,
            #"agent.hcl:7:1: block "listen" is set twice (first at 5:1)"#,
        ])
        let json = #"{"region": "a", "region": "b", "client": {"meta": {"k": "1", "k": "2"}}, "listen": [{}, {"tcp": 1}]}"#
        #expect(problems(json, file: "a.json") == [
            #"a.json:1:17: attribute "region" is set twice (first at 1:2)"#,
            #"a.json:1:62: key "k" is set twice in client.meta (first at 1:52)"#,
            #"a.json:1:89: block "listen" is set twice (first at 1:85)"#,
        ])
    }

    @Test("interpolation is refused: the configuration takes literal values")
    func interpolation() {
        #expect(problems("data_dir = \"${env.HOME}/corral\"\nclient {\n  chroot_env = [\"/bin\", \"/%{ if x }y%{ endif }\"]\n}") == [
            #"agent.hcl:1:12: data_dir: the agent configuration takes literal values, found "${env.HOME}/corral" (write $${ for a literal ${)"#,
            #"agent.hcl:3:25: client.chroot_env[1]: the agent configuration takes literal values, found "/%{ if x }y%{ endif }" (write %%{ for a literal %{)"#,
        ])
        #expect(problems(#"{"name": "node-${NOMAD_ALLOC_ID}"}"#, file: "a.json") == [
            #"a.json:1:10: name: the agent configuration takes literal values, found "node-${NOMAD_ALLOC_ID}" (write $${ for a literal ${)"#,
        ])
    }

    @Test("every problem is reported, sorted by position, each with its source line and caret")
    func severalProblems() throws {
        let text = "log_level = \"loud\"\nclient {\n  gc_max_allocs = -1\n  mta {}\n}\ndata_dir = \"x\"\n"
        #expect(problems(text) == [
            "agent.hcl:1:13: log_level: expected one of trace, debug, info, notice, warning, error, critical, found \"loud\"",
            "agent.hcl:3:19: client.gc_max_allocs: expected a positive integer, found -1",
            #"agent.hcl:4:3: unknown block "mta" in client (did you mean "meta"?)"#,
            #"agent.hcl:6:12: data_dir: expected an absolute path, found "x""#,
        ])
        do throws(JobspecError) {
            _ = try AgentConfigFile.parse(text, file: "agent.hcl")
            Issue.record("expected problems")
        } catch {
            #expect(error.diagnostics.count == 4)
            #expect(error.diagnostics.map(\.position.line) == [1, 3, 4, 6])
            #expect(error.diagnostics[1].description == """
                agent.hcl:3:19: client.gc_max_allocs: expected a positive integer, found -1
                      gc_max_allocs = -1
                                      ^
                """)
        }
    }

    @Test("syntax errors come from the parsers with their positions")
    func syntaxErrors() {
        #expect(problems("client {\n  gc_max_allocs = \n}").count == 1)
        #expect(problems("client {\n  gc_max_allocs = \n}").first?.hasPrefix("agent.hcl:2:") == true)
        #expect(problems("{\"name\": \"a\",}", file: "a.json") == [#"a.json:1:14: expected a string key (JSON allows no trailing comma)"#])
    }

    // MARK: Files

    @Test("load reads the file; a missing or unreadable one says why, with no position")
    func load() throws {
        try withDirectory { directory in
            let path = directory + "/agent.json"
            try Data(Self.fullJSON.utf8).write(to: URL(fileURLWithPath: path))
            #expect(try AgentConfigFile.load(path: path) == Self.fullSettings)

            let missing = directory + "/missing.hcl"
            do throws(JobspecError) {
                _ = try AgentConfigFile.load(path: missing)
                Issue.record("expected a problem")
            } catch {
                #expect(error.diagnostics.count == 1)
                #expect(error.diagnostics.first?.position.line == 0)
                #expect(error.description == "\(missing): cannot open the agent configuration file: No such file or directory")
            }
            do throws(JobspecError) {
                _ = try AgentConfigFile.load(path: directory)
                Issue.record("expected a problem")
            } catch {
                #expect(error.description == "\(directory): cannot read the agent configuration file: Is a directory")
            }

            let bad = directory + "/bad.hcl"
            try Data("region = \"eu\"\nname = 5\n".utf8).write(to: URL(fileURLWithPath: bad))
            do throws(JobspecError) {
                _ = try AgentConfigFile.load(path: bad)
                Issue.record("expected a problem")
            } catch {
                #expect(error.diagnostics.map(\.description).first?.hasPrefix("\(bad):2:8: name: expected a string, found 5") == true)
            }
        }
    }

    // MARK: Policy knobs

    @Test("plugin blocks, allow-lists and TLS, in HCL and in JSON")
    func policyKnobs() throws {
        let hcl = """
            plugin "raw_exec" {
              config { enabled = true }
            }
            plugin "exec" {
              config { allow_caps = ["CHOWN", "cap_net_raw", "sys_ptrace", "chown"] }
            }
            client {
              bind_allowlist   = ["/srv/data", "/opt/shared"]
              device_allowlist = ["/dev/fuse"]
            }
            listen {
              tcp = "0.0.0.0:4646"
              tls {
                cert_file = "/etc/corral/agent.pem"
                key_file  = "/etc/corral/agent.key"
              }
            }
            """
        let json = """
            {"plugin": [{"raw_exec": [{"config": [{"enabled": true}]}]},
                        {"exec": {"config": {"allow_caps": ["CHOWN", "cap_net_raw", "sys_ptrace", "chown"]}}}],
             "client": {"bind_allowlist": ["/srv/data", "/opt/shared"], "device_allowlist": ["/dev/fuse"]},
             "listen": {"tcp": "0.0.0.0:4646", "tls": {"cert_file": "/etc/corral/agent.pem", "key_file": "/etc/corral/agent.key"}}}
            """
        for (text, file) in [(hcl, "agent.hcl"), (json, "agent.json")] {
            let settings = try AgentConfigFile.parse(text, file: file)
            #expect(settings.rawExecEnabled)
            #expect(settings.allowCaps == ["chown", "net_raw", "sys_ptrace"])
            #expect(settings.bindAllowlist == ["/srv/data", "/opt/shared"])
            #expect(settings.deviceAllowlist == ["/dev/fuse"])
            #expect(settings.tls == AgentSettings.TLSFiles(certFile: "/etc/corral/agent.pem", keyFile: "/etc/corral/agent.key"))
            let policy = settings.driverPolicy
            #expect(policy.rawExecEnabled && policy.bindAllowlist == ["/srv/data", "/opt/shared"])
        }
        // The defaults: raw_exec off, Docker's 14 capabilities, no host binds or devices, no TLS.
        let defaults = AgentSettings()
        #expect(!defaults.rawExecEnabled)
        #expect(defaults.allowCaps.count == 14)
        #expect(defaults.bindAllowlist.isEmpty && defaults.deviceAllowlist.isEmpty)
        #expect(defaults.tls == nil)
        #expect(defaults.driverPolicy.protectedPaths == ["/var/lib/corral", "/run/corral/tasks", "/run/corral"])
    }

    @Test("images, set-uid sources, host namespaces and users: knobs in HCL and JSON, safe defaults")
    func isolationKnobs() throws {
        let hcl = """
            plugin "exec" {
              config {
                allow_host_pid     = true
                allow_host_ipc     = true
                allow_host_network = true
              }
            }
            client {
              image_allowlist             = ["/srv/images"]
              allow_suid_writable_sources = true
              user_allowlist              = ["nobody", "1000"]
              user_denylist               = ["root", "00"]
            }
            """
        let json = """
            {"plugin": {"exec": {"config": {"allow_host_pid": true, "allow_host_ipc": true, "allow_host_network": true}}},
             "client": {"image_allowlist": ["/srv/images"], "allow_suid_writable_sources": true,
                        "user_allowlist": ["nobody", "1000"], "user_denylist": ["root", "00"]}}
            """
        for (text, file) in [(hcl, "agent.hcl"), (json, "agent.json")] {
            let settings = try AgentConfigFile.parse(text, file: file)
            #expect(settings.allowHostPID && settings.allowHostIPC && settings.allowHostNetwork)
            #expect(settings.imageAllowlist == ["/srv/images"])
            #expect(settings.allowSuidWritableSources)
            #expect(settings.userAllowlist == ["nobody", "1000"])
            #expect(settings.userDenylist == ["root", "00"])
            let policy = settings.driverPolicy
            #expect(policy.hostNamespaces == .allowed && policy.imageAllowlist == ["/srv/images"] && policy.allowSuidWritableSources)
            #expect(policy.users.deny.map(\.uid) == [0, 0])
            #expect(policy.users.allow?.map(\.uid) == [65534, 1000])
        }
        // The defaults: no image, writable sources only from nosuid,nodev mounts, no host
        // namespace, root denied (as Nomad's user.denylist), anyone else allowed.
        let policy = AgentSettings().driverPolicy
        #expect(policy.imageAllowlist == [])
        #expect(!policy.allowSuidWritableSources)
        #expect(policy.hostNamespaces == .denied)
        #expect(policy.users.deny.map(\.written) == ["root"] && policy.users.deny.first?.uid == 0)
        #expect(policy.users.allow == nil)
        #expect(problems(#"client { user_denylist = ["root", "no-such-user-here", 5, "4294967295"] }"#) == [
            #"agent.hcl:1:35: client.user_denylist[1]: "no-such-user-here" is no user or group of this host, nor an id from 0 to 2147483647"#,
            "agent.hcl:1:56: client.user_denylist[2]: expected a non-empty string, found 5",
            #"agent.hcl:1:59: client.user_denylist[3]: "4294967295" is no user or group of this host, nor an id from 0 to 2147483647"#,
        ])
        #expect(problems(#"plugin "exec" { config { allow_host_pid = "yes" } }"#) == [
            #"agent.hcl:1:43: plugin.exec.config.allow_host_pid: expected true or false, found "yes""#,
        ])
        #expect(problems(#"client { image_allowlist = ["images"] }"#).first?.contains("client.image_allowlist[0]: expected an absolute path") == true)
    }

    @Test("bad policy knobs are reported at their values")
    func badPolicyKnobs() {
        #expect(problems(#"plugin "raw_exec" { config { enabled = "yes" } }"#) == [
            #"agent.hcl:1:40: plugin.raw_exec.config.enabled: expected true or false, found "yes""#,
        ])
        #expect(problems(#"plugin "exec" { config { allow_caps = ["chown", "net_foo", 5] } }"#) == [
            #"agent.hcl:1:49: plugin.exec.config.allow_caps[1]: unknown capability "net_foo" (like "net_raw" or "CAP_NET_RAW")"#,
            "agent.hcl:1:60: plugin.exec.config.allow_caps[2]: expected a capability name, found 5",
        ])
        #expect(problems(#"plugin "docker" { config { } }"#).first?.contains(#"unknown plugin "docker""#) == true)
        #expect(problems(#"plugin { config { } }"#).first?.contains("takes one name") == true)
        #expect(problems(#"plugin "exec" { config { enabled = true } }"#).first?.contains(#"unknown attribute "enabled""#) == true)
        #expect(problems("plugin \"exec\" {}\nplugin \"exec\" {}").first?.contains("set twice") == true)
        #expect(problems(#"client { bind_allowlist = ["srv"] }"#) == [
            #"agent.hcl:1:28: client.bind_allowlist[0]: expected an absolute path, found "srv""#,
        ])
        #expect(problems(#"client { device_allowlist = "/dev/fuse" }"#) == [
            #"agent.hcl:1:29: client.device_allowlist: expected a list of absolute paths, found "/dev/fuse""#,
        ])
        #expect(problems("listen {\n  tls {\n    cert_file = \"/a.pem\"\n  }\n}").first?.contains("needs both cert_file and key_file") == true)
        #expect(problems("listen {\n  tls {\n    cert_file = \"a.pem\"\n    key_file = \"/k\"\n  }\n}").first?
            .contains("listen.tls.cert_file: expected an absolute path") == true)
    }
}

extension AgentConfigFileTests {
    /// `log_format` takes text or json, with the likely one named.
    @Test func namespacesMustIncludeDefaultAndNameEach() {
        #expect(problems(#"namespaces = ["team-a"]"#).first?.contains("namespaces: expected a list of namespace names that includes \"default\"") == true)
        #expect(problems(#"namespaces = ["default", ""]"#).first?.contains("namespaces[1]") == true)
        #expect(problems(#"namespaces = "default""#).first?.contains("namespaces: expected a list") == true)
    }

    @Test func logFormatIsTextOrJSON() throws {
        #expect(problems(#"log_format = "jsn""#) == [
            #"agent.hcl:1:14: log_format: expected one of text, json, found "jsn" (did you mean "json"?)"#,
        ])
        #expect((try? AgentConfigFile.parse(#"log_format = "text""#, file: "agent.hcl"))?.logFormat == "text")
    }
}
