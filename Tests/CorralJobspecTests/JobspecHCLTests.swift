import CorralDriver
import CorralJobspec
import CorralRunner
import Testing

/// Job files in HCL native syntax, through the real parser (they run once it lands).
@Suite("Jobspec HCL")
struct JobspecHCLTests {
    @Test("HCL forms: blocks and attributes mixed up, labels, durations as numbers, nested config blocks")
    func errors() {
        let text = """
        job "x" {
          group "g" {
            count {}
            task "web" {
              driver = "exec"
              kill_timeout = 5
              resources = { cpu = 100 }
              config {
                command = "/bin/sh"
                devices { cgroup_permissions = true }
                cap_add = ["A"]
              }
              logs "x" {}
            }
            task {
              resources {
                memry = 64
              }
            }
          }
          group "a" "b" {
            task "t" {
              driver = "mock"
            }
          }
        }
        """
        #expect(problems(text, format: .hcl) == JobspecHCLViewTests.expectedErrors)
    }

    @Test("a missing driver at the task keyword; an unknown attribute with its caret")
    func missingDriver() {
        let text = """
        job "x" {
          group "g" {
            task "web" {
              config { command = "/bin/true" }
              resources {
                memry = 64
              }
            }
          }
        }
        """
        let found = diagnostics(text, format: .hcl)
        #expect(found.map { "\($0.position.line):\($0.position.column): \($0.message)" } == [
            #"3:5: task "web": missing driver"#,
            #"6:9: unknown attribute "memry" in resources (did you mean "memory"?)"#,
        ])
        #expect(found.last?.description == """
        job.hcl:6:9: unknown attribute "memry" in resources (did you mean "memory"?)
                    memry = 64
                    ^
        """)
    }

    @Test("the same job from HCL and from JSON: config blocks, repeated blocks, env as an object")
    func sameAsJSON() throws {
        let hcl = """
        job "x" {
          type        = "batch"
          datacenters = ["dc1", "dc2"]
          meta { owner = "ops" }
          group "g" {
            count = 2
            restart {
              attempts = 1
              delay    = "2s"
            }
            task "web" {
              driver       = "exec"
              kill_timeout = "1m"
              leader       = true
              config {
                command = "/bin/sh"
                args    = ["-c", "echo ${NOMAD_TASK_NAME}"]
                devices {
                  host_path = "/dev/null"
                }
                mounts {
                  target = "/a"
                  source = "/s"
                }
                mounts {
                  target = "/b"
                  type   = "tmpfs"
                  size   = "64m"
                }
              }
              env = { A = "1", B = 2 }
              resources {
                cpu    = 200
                memory = 64
              }
              logs {
                max_files = 2
              }
            }
          }
        }
        """
        let json = #"""
        {"job": {"x": {
          "type": "batch", "datacenters": ["dc1", "dc2"], "meta": {"owner": "ops"},
          "group": {"g": {
            "count": 2,
            "restart": {"attempts": 1, "delay": "2s"},
            "task": {"web": {
              "driver": "exec", "kill_timeout": "1m", "leader": true,
              "config": {
                "command": "/bin/sh", "args": ["-c", "echo ${NOMAD_TASK_NAME}"],
                "devices": [{"host_path": "/dev/null"}],
                "mounts": [{"target": "/a", "source": "/s"}, {"target": "/b", "type": "tmpfs", "size": "64m"}]
              },
              "env": {"A": "1", "B": 2},
              "resources": {"cpu": 200, "memory": 64},
              "logs": {"max_files": 2}
            }}
          }}
        }}}
        """#
        let fromHCL = try #require(decode(hcl, format: .hcl))
        #expect(fromHCL == decode(json))
        #expect(fromHCL.groups.first?.tasks.first?.env == ["A": "1", "B": "2"])
    }
}
