import CorralDriver
import CorralJobspec
import CorralRunner
import Testing

/// Every kind of problem, each at its exact line and column (JSON input: the HCL parser is being
/// written in parallel; `JobspecHCLTests` has the same through HCL).
@Suite("Jobspec errors")
struct JobspecErrorTests {
    @Test("an unknown attribute, with the closest known name")
    func unknownAttribute() {
        let text = jsonJob(task: """
                  "driver": "exec",
                  "config": {"command": "/bin/true"},
                  "resources": {"memry": 64, "cpu": 100}
        """)
        #expect(problems(text) == [#"10:25: unknown attribute "memry" in resources (did you mean "memory"?)"#])
    }

    @Test("unknown blocks and attributes at every level; a suggestion only when one is close")
    func unknownBlocks() {
        let task = jsonJob(task: """
                  "driver": "mock",
                  "resource": {"cpu": 100},
                  "image": "redis"
        """)
        #expect(problems(task) == [
            #"9:11: unknown block "resource" in task "web" (did you mean "resources"?)"#,
            #"10:11: unknown attribute "image" in task "web""#,
        ])
        let job = #"{"job": {"j": {"grup": {"g": {}}, "group": {"g": {"task": {"t": {"driver": "mock"}}}}}}}"#
        #expect(problems(job) == [#"1:16: unknown block "grup" in job "j" (did you mean "group"?)"#])
        #expect(problems(#"{"Job": {"j": {}}}"#) == [
            #"1:1: missing job block: a job file holds job "NAME" { ... }"#,
            #"1:2: unknown block "Job" in the file (did you mean "job"?)"#,
        ])
    }

    @Test("values of the wrong type")
    func wrongTypes() {
        let text = jsonJob(task: """
                  "driver": "mock",
                  "kill_timeout": true,
                  "shutdown_delay": 1.5,
                  "leader": "yes",
                  "user": [0],
                  "kill_signal": "SIGFOO",
                  "resources": {"cpu": "a hundred", "memory": 1.5}
        """)
        #expect(problems(text) == [
            #"9:27: kill_timeout: expected a duration like "5s", got a bool"#,
            #"10:29: shutdown_delay: expected a duration like "5s" or a whole number of nanoseconds, got 1.5"#,
            "11:21: leader: expected a bool, got a string",
            "12:19: user: expected a string, got a list",
            #"13:26: kill_signal: unknown signal "SIGFOO""#,
            #"14:32: resources.cpu: expected an integer, got the string "a hundred""#,
            "14:55: resources.memory: expected an integer, got 1.5",
        ])
    }

    @Test("a missing driver is reported at the task")
    func missingDriver() {
        let text = jsonJob(task: """
                  "config": {"command": "/bin/true"}
        """)
        #expect(problems(text) == [#"7:13: task "web": missing driver"#])
    }

    @Test("count must be at least 0")
    func count() {
        let text = jsonJob(task: #"          "driver": "mock""#, group: #""count": -1,"#)
        #expect(problems(text) == ["5:24: count: must be at least 0, got -1"])
    }

    @Test("restart policy problems: at the field they name, or at the block when it is a default")
    func restartProblems() {
        let task = #"          "driver": "mock""#
        #expect(problems(jsonJob(task: task, group: #""restart": {"interval": "1s", "attempts": -1},"#)) == [
            "5:39: restart.interval: must be at least 5s, got 1s",
            "5:57: restart.attempts: must not be negative, got -1",
        ])
        #expect(problems(jsonJob(task: task, group: #""restart": {"mode": "delay", "attempts": 200},"#)) == [
            "5:15: restart.delay: 200 attempts of 15s do not fit in the interval of 30m0s",
        ])
        #expect(problems(jsonJob(task: task, group: #""restart": {"mode": "retry"},"#)) == [
            #"5:35: restart.mode: must be "fail" or "delay", got "retry""#,
        ])
    }

    @Test("a driver that is not available, with the known ones")
    func unknownDriver() {
        #expect(problems(jsonJob(task: #"          "driver": "docker""#)) == [
            #"8:21: driver "docker" is not available here (exec, raw_exec, mock)"#,
        ])
        #expect(problems(jsonJob(task: #"          "driver": "exce""#)) == [
            #"8:21: driver "exce" is not available here (exec, raw_exec, mock) (did you mean "exec"?)"#,
        ])
        #expect(problems(jsonJob(task: #"          "driver": """#)) == ["8:21: driver: must not be empty"])
    }

    @Test("driver config problems at the attribute or element their key path names")
    func driverConfig() {
        let text = jsonJob(task: """
                  "driver": "exec",
                  "config": {
                    "comand": "/bin/sh",
                    "cap_add": ["SYS_TIME", [1]],
                    "devices": [{"host_path": "/dev/fuse", "cgroup_permissions": [true]}, {"container_path": "/x"}],
                    "mounts": {"type": "overlay", "target": "/m"}
                  }
        """)
        #expect(problems(text) == [
            "9:11: config.command: is required",
            #"10:13: unknown attribute "comand" in config (did you mean "command"?)"#,
            "11:37: config.cap_add[1]: expected a string, got a list [1]",
            "12:74: config.devices[0].cgroup_permissions: expected a string, got a list [true]",
            "12:83: config.devices[1].host_path: is required",
            #"13:32: config.mounts[0].type: expected one of "bind", "tmpfs", got a string "overlay""#,
        ])
    }

    @Test("a task without a config block, whose driver requires keys: at the task")
    func configMissing() {
        #expect(problems(jsonJob(task: #"          "driver": "raw_exec""#)) == ["7:13: config.command: is required"])
    }

    @Test("all problems of a file in one pass, sorted by position")
    func collected() {
        let text = """
        {"job": {"multi": {
          "type": "daemon",
          "datacenters": ["dc1", [2]],
          "group": {"g": {
            "count": -1,
            "task": {
              "a": {"driver": "exec", "config": {"command": [1]}},
              "b": {"resources": {"memory": 0, "cpu": 10, "cores": 2}},
              "a": {"driver": "mock", "kill_timeout": "5x"}
            }
          }}
        }}}
        """
        #expect(problems(text) == [
            #"2:11: type: must be "service", "batch", "system" or "sysbatch", got "daemon""#,
            "3:26: datacenters[1]: expected a string, got a list",
            "5:14: count: must be at least 0, got -1",
            "7:53: config.command: expected a string, got a list [1]",
            #"8:7: task "b": missing driver"#,
            "8:37: resources.memory: must be at least 1, got 0",
            "8:60: resources.cores: cannot be set together with cpu",
            #"9:7: duplicate task name "a" in group "g" (first at 7:7)"#,
            #"9:47: kill_timeout: "5x" is not a duration (like 250ms, 5s, 1m30s)"#,
        ])
    }

    @Test("names must be usable as file names")
    func names() {
        let text = #"{"job": {"a/b": {"group": {"..": {"task": {"": {"driver": "mock"}, "ok\u0001": {"driver": "mock"}}}}}}}"#
        #expect(problems(text) == [
            #"1:10: job name "a/b": must not contain "/""#,
            #"1:28: group name "..": must not be "." or "..""#,
            #"1:44: task name "": must not be empty"#,
            #"1:68: task name "ok\u{1}": must not contain control characters"#,
        ])
    }

    @Test("names given twice, attributes and keys given twice, a second job")
    func duplicates() {
        let text = """
        {"job": {
          "a": {"group": {
            "g": {"task": {"t": {"driver": "mock"}}},
            "g": {"count": 1, "count": 2, "task": {"t": {"driver": "mock", "env": {"A": "1", "A": "2"}}}}
          }},
          "b": {}
        }}
        """
        #expect(problems(text) == [
            #"4:5: duplicate group name "g" in job "a" (first at 3:5)"#,
            #"4:23: duplicate attribute "count" in group "g" (first set at 4:11)"#,
            #"4:86: duplicate key "A" in env (first at 4:76)"#,
            "6:3: only one job block is allowed (the first is at 2:3)",
        ])
    }

    @Test("JSON of the wrong shape for a block")
    func shapes() {
        #expect(problems(jsonJob(task: #"          "driver": "mock", "resources": 5, "logs": [{"max_files": 1}, {"max_files": 2}]"#)) == [
            "8:42: resources: expected a block (an object), got a number",
            #"8:72: only one logs block is allowed in task "web" (the first is at 8:54)"#,
        ])
        #expect(problems(#"{"job": {"j": {"group": "g"}}}"#) == [
            #"1:10: job "j": missing group"#,
            #"1:25: group: expected an object of group blocks by name, like {"NAME": {...}}, got a string"#,
        ])
        #expect(problems(#"{"job": {"j": {"group": {"g": {"task": {"t": 1}}}}}}"#) == [
            #"1:26: group "g": missing task"#,
            #"1:46: task "t": expected a block (an object), got a number"#,
        ])
        #expect(problems(jsonJob(task: #"          "driver": "mock", "env": {"A": [1], "B": {}}"#)) == [
            "8:42: env.A: expected a string, got a list",
            "8:52: env.B: expected a string, got an object",
        ])
        #expect(problems("[]") == [#"1:1: expected an object at the top: {"job": {"NAME": {...}}}"#])
        #expect(problems("{}") == [#"1:1: missing job block: a job file holds job "NAME" { ... }"#])
    }

    @Test("resource bounds")
    func resources() {
        #expect(problems(jsonJob(task: #"          "driver": "mock", "resources": {"memory": 256, "memory_max": 128, "cores": 0}"#)) == [
            "8:72: resources.memory_max: must be at least memory (256), got 128",
            "8:86: resources.cores: must be at least 1, got 0",
        ])
        #expect(problems(jsonJob(task: #"          "driver": "mock", "logs": {"max_files": 0, "max_file_size": 1e30}"#)) == [
            "8:51: logs.max_files: must be at least 1, got 0",
            "8:71: logs.max_file_size: 1e30 is out of range",
        ])
    }

    @Test("a JSON syntax error stops before decoding")
    func syntax() {
        #expect(problems("{\"job\": {\"j\": {\"group\" {}}}}") == [#"1:24: expected ":""#])
    }
}
