import CorralDriver
import CorralJobspec
import CorralRunner
import Testing

/// Decoding JSON jobs: the model's fields, defaults and conversions.
@Suite("Jobspec decoding")
struct JobspecDecodeTests {
    @Test("every field of the model, from JSON")
    func allFields() throws {
        let text = """
        {"job": {"full": {
          "type": "service", "region": "eu", "datacenters": ["dc1", "dc2"], "meta": {"owner": "ops", "tier": 2},
          "group": {"api": {
            "count": 3,
            "meta": {"canary": true},
            "restart": {"attempts": 5, "interval": "10m", "delay": "30s", "mode": "delay"},
            "task": {"server": {
              "driver": "exec", "user": "nobody", "leader": true,
              "kill_timeout": "1h30m", "kill_signal": "SIGINT", "shutdown_delay": "250ms",
              "config": {"command": "/bin/server", "args": ["--port", "${NOMAD_PORT_http}"], "pids_limit": 64},
              "env": {"MODE": "prod", "WORKERS": 4, "DEBUG": false, "RATIO": 1.50, "UNSET": null},
              "meta": {"role": "primary"},
              "resources": {"cpu": 500, "memory": 256, "memory_max": 512},
              "logs": {"max_files": 3, "max_file_size": 20},
              "restart": {"attempts": 1}
            }}
          }}
        }}}
        """
        let job = try #require(decode(text))
        #expect(job.id == "full" && job.name == "full")
        #expect(job.type == .service)
        #expect(job.region == "eu")
        #expect(job.datacenters == ["dc1", "dc2"])
        #expect(job.meta == ["owner": "ops", "tier": "2"])
        let group = try #require(job.groups.first)
        #expect(group.name == "api" && group.count == 3)
        #expect(group.meta == ["canary": "true"])
        let groupRestart = RestartPolicy(attempts: 5, interval: .seconds(600), delay: .seconds(30), mode: .delay)
        #expect(group.restart == groupRestart)
        let task = try #require(group.tasks.first)
        #expect(task == TaskSpec(
            name: "server", driver: "exec",
            config: ["command": .string("/bin/server"), "args": .list([.string("--port"), .string("${NOMAD_PORT_http}")]),
                     "pids_limit": .integer(64)],
            env: ["MODE": "prod", "WORKERS": "4", "DEBUG": "false", "RATIO": "1.50"],
            meta: ["role": "primary"], user: "nobody",
            resources: TaskResourceSpec(cpuMHz: 500, memoryMiB: 256, memoryMaxMiB: 512),
            killTimeout: .seconds(5400), killSignal: "SIGINT", shutdownDelay: .milliseconds(250), leader: true,
            logs: LogConfig(maxFiles: 3, maxFileSizeMiB: 20),
            // A task's restart block takes what it leaves out from the group's.
            restart: RestartPolicy(attempts: 1, interval: .seconds(600), delay: .seconds(30), mode: .delay)))
    }

    @Test("defaults: service, global, every datacenter, namespace default, count 1, no restart policy, the task defaults")
    func defaults() throws {
        let job = try #require(decode(#"{"job": {"j": {"group": {"g": {"task": {"t": {"driver": "mock"}}}}}}}"#))
        #expect(job == Job(id: "j", type: .service, region: "global", namespace: "default", datacenters: ["*"], groups: [
            TaskGroup(name: "g", count: 1, restart: nil, tasks: [TaskSpec(name: "t", driver: "mock")]),
        ]))
    }

    @Test("a restart block takes the job type's defaults for what it leaves out")
    func restartDefaults() throws {
        let batch = try #require(decode(#"{"job": {"j": {"type": "batch", "group": {"g": {"restart": {"delay": "5s"}, "task": {"t": {"driver": "mock"}}}}}}}"#))
        #expect(batch.groups[0].restart == RestartPolicy(attempts: 3, interval: .seconds(86400), delay: .seconds(5), mode: .fail))
        let service = try #require(decode(#"{"job": {"j": {"group": {"g": {"restart": {"mode": "delay"}, "task": {"t": {"driver": "mock"}}}}}}}"#))
        #expect(service.groups[0].restart == RestartPolicy(attempts: 2, interval: .seconds(1800), delay: .seconds(15), mode: .delay))
    }

    @Test("config values: integers from their text, other numbers, nesting, null; no schema: kept as written")
    func configValues() throws {
        let text = #"""
        {"job": {"j": {"group": {"g": {"task": {"t": {"driver": "custom", "config": {
          "i": 42, "neg": -7, "f": 1.5, "whole": 2.0, "exp": 1e3, "big": 12345678901234567890,
          "s": "${NOMAD_ALLOC_DIR}/x", "b": true, "n": null,
          "list": [1, "two", [3]], "obj": {"k": {"deep": [{"a": 1}]}}
        }}}}}}}}
        """#
        let job = try #require(decode(text, drivers: [:]))
        #expect(job.groups[0].tasks[0].config == [
            "i": .integer(42), "neg": .integer(-7), "f": .number(1.5), "whole": .number(2), "exp": .number(1000),
            "big": .number(12_345_678_901_234_567_168), "s": .string("${NOMAD_ALLOC_DIR}/x"), "b": .bool(true), "n": .null,
            "list": .list([.integer(1), .string("two"), .list([.integer(3)])]),
            "obj": .object(["k": .object(["deep": .list([.object(["a": .integer(1)])])])]),
        ])
    }

    @Test("one block where the driver takes a list of blocks becomes a list of one")
    func singleBlockToList() throws {
        let text = jsonJob(task: """
                  "driver": "exec",
                  "config": {"command": "/bin/true", "devices": {"host_path": "/dev/null"},
                             "mounts": [{"target": "/t", "source": "/s"}]}
        """)
        let config = try #require(decode(text)?.groups[0].tasks[0].config)
        #expect(config["devices"] == .list([.object(["host_path": .string("/dev/null")])]))
        #expect(config["mounts"] == .list([.object(["target": .string("/t"), "source": .string("/s")])]))
    }

    @Test("durations: Go strings; in JSON also integers of nanoseconds")
    func durations() throws {
        let text = jsonJob(task: """
                  "driver": "mock", "kill_timeout": 2500000000, "shutdown_delay": "1m30s"
        """)
        let task = try #require(decode(text)?.groups[0].tasks[0])
        #expect(task.killTimeout == .milliseconds(2500))
        #expect(task.shutdownDelay == .seconds(90))
    }

    @Test("labelled blocks as lists: groups in a list, blocks of one name in a list")
    func labelledLists() throws {
        let text = #"""
        {"job": [{"j": {"group": [
          {"a": {"task": {"t": [{"driver": "mock"}]}}},
          {"b": {"task": [{"t1": {"driver": "mock"}}, {"t2": {"driver": "mock", "leader": true}}]}}
        ]}}]}
        """#
        let job = try #require(decode(text))
        #expect(job.groups.map(\.name) == ["a", "b"])
        #expect(job.groups[1].tasks.map(\.name) == ["t1", "t2"])
        #expect(job.groups[1].tasks[1].leader)
    }

    @Test("without driver schemas any driver is taken and its config is not checked")
    func noDrivers() throws {
        let text = jsonJob(task: """
                  "driver": "docker", "config": {"image": "redis:7", "ports": ["db"]}
        """)
        let task = try #require(decode(text, drivers: [:])?.groups[0].tasks[0])
        #expect(task.driver == "docker")
        #expect(task.config["ports"] == .list([.string("db")]))
    }

    @Test("the format is found from the file name or the first character")
    func formatDetection() throws {
        let text = #"{"job": {"j": {"group": {"g": {"task": {"t": {"driver": "mock"}}}}}}}"#
        #expect(try Jobspec.parse(text, file: "job.nomad").id == "j")
        #expect(try Jobspec.parse("\n  " + text, file: "-").id == "j")
        #expect(try Jobspec.parse("\u{FEFF}" + text, file: "job.json").id == "j")
        // Any other name: HCL.
        #expect(try Jobspec.parse(#"job "h" { group "g" { task "t" { driver = "mock" } } }"#, file: "job.hcl").id == "h")
    }
}
