import CorralDriver
import CorralJobspec
import CorralRunner
import Testing

/// Nomad's API form of a job (`{"Job": {...}}`, as `nomad job run -output` and `nomad job inspect`
/// write it): read as the job it describes, with Nomad's field names, nanosecond durations, nulls and
/// Nomad's own defaults; anything else it asks for that corral does not take is named, at its key.
@Suite("Jobspec: Nomad's API form")
struct JobspecNomadAPIFormTests {
    /// What `nomad job run -output` writes for a small exec job (fields trimmed to a representative set).
    static let runOutput = """
        {
          "Job": {
            "Region": null, "Namespace": null, "ID": "api-form", "Name": "api-form", "Type": "batch",
            "Priority": null, "AllAtOnce": null, "Datacenters": ["dc1"], "NodePool": null,
            "Constraints": null, "Affinities": null, "Spreads": null, "Update": null, "Periodic": null,
            "Meta": {"team": "infra"},
            "TaskGroups": [
              {
                "Name": "work", "Count": 2, "Constraints": null, "Volumes": null,
                "RestartPolicy": {"Interval": 1800000000000, "Attempts": 2, "Delay": 15000000000, "Mode": "fail", "RenderTemplates": false},
                "ReschedulePolicy": null, "EphemeralDisk": {"Sticky": null, "Migrate": null, "SizeMB": 300},
                "Networks": null, "Services": null, "Meta": null,
                "Tasks": [
                  {
                    "Name": "echo", "Driver": "exec", "User": "", "Lifecycle": null,
                    "Config": {"command": "/bin/echo", "args": ["hi"]},
                    "Env": {"MODE": "batch"}, "Services": null,
                    "Resources": {"CPU": 200, "Cores": null, "MemoryMB": 64, "MemoryMaxMB": 128, "DiskMB": null, "Networks": null, "Devices": null},
                    "RestartPolicy": null, "Meta": null, "KillTimeout": 7000000000, "LogConfig": {"MaxFiles": 3, "MaxFileSizeMB": 5, "Disabled": false},
                    "Artifacts": null, "Vault": null, "Templates": null, "Leader": true, "ShutdownDelay": 0, "KillSignal": "SIGINT", "Kind": ""
                  }
                ]
              }
            ],
            "Status": null, "Version": null, "SubmitTime": null, "CreateIndex": null, "ModifyIndex": null
          }
        }
        """

    @Test("what nomad job run -output writes is the job it describes")
    func runOutputDecodes() throws {
        let job = try #require(decode(Self.runOutput))
        #expect(job.id == "api-form" && job.type == .batch && job.datacenters == ["dc1"] && job.meta == ["team": "infra"])
        let group = try #require(job.groups.first)
        #expect(group.name == "work" && group.count == 2)
        #expect(group.restart == RestartPolicy(attempts: 2, interval: .seconds(1800), delay: .seconds(15), mode: .fail))
        let task = try #require(group.tasks.first)
        #expect(task.name == "echo" && task.driver == "exec" && task.user.isEmpty && task.leader)
        #expect(task.config["command"] == .string("/bin/echo"))
        #expect(task.env == ["MODE": "batch"])
        #expect(task.resources.cpuMHz == 200 && task.resources.memoryMiB == 64 && task.resources.memoryMaxMiB == 128)
        #expect(task.killTimeout == .seconds(7) && task.killSignal == "SIGINT")
        #expect(task.logs.maxFiles == 3 && task.logs.maxFileSizeMiB == 5)
    }

    @Test("the same job in the HCL form gives the same job")
    func sameAsHCL() throws {
        let hcl = try #require(decode("""
            job "api-form" {
              type = "batch"
              datacenters = ["dc1"]
              meta { team = "infra" }
              group "work" {
                count = 2
                restart {
                  interval = "30m"
                  attempts = 2
                  delay = "15s"
                  mode = "fail"
                }
                task "echo" {
                  driver = "exec"
                  leader = true
                  kill_timeout = "7s"
                  kill_signal = "SIGINT"
                  config {
                    command = "/bin/echo"
                    args = ["hi"]
                  }
                  env { MODE = "batch" }
                  resources {
                    cpu = 200
                    memory = 64
                    memory_max = 128
                  }
                  logs {
                    max_files = 3
                    max_file_size = 5
                  }
                }
              }
            }
            """, format: .hcl))
        #expect(decode(Self.runOutput) == hcl)
    }

    @Test("Nomad's defaults, as nomad job inspect fills them in, ask for nothing")
    func inspectDefaultsAreUnset() throws {
        let text = """
            {"Job": {"ID": "svc", "Name": "svc", "Type": "service", "Priority": 50, "Namespace": "default", "NodePool": "default",
              "Region": "global", "AllAtOnce": false, "Datacenters": ["*"], "Stop": false, "Version": 3, "Status": "running",
              "Update": {"Stagger": 30000000000, "MaxParallel": 1, "HealthCheck": "checks", "MinHealthyTime": 10000000000,
                         "HealthyDeadline": 300000000000, "ProgressDeadline": 600000000000, "AutoRevert": false, "Canary": 0},
              "TaskGroups": [{"Name": "g", "Count": 1,
                "Update": {"Stagger": 30000000000, "MaxParallel": 1, "HealthCheck": "checks", "MinHealthyTime": 10000000000,
                           "HealthyDeadline": 300000000000, "ProgressDeadline": 600000000000, "AutoRevert": false, "Canary": 0},
                "Migrate": {"MaxParallel": 1, "HealthCheck": "checks", "MinHealthyTime": 10000000000, "HealthyDeadline": 300000000000},
                "ReschedulePolicy": {"Attempts": 0, "Interval": 0, "Delay": 30000000000, "DelayFunction": "exponential",
                                     "MaxDelay": 3600000000000, "Unlimited": true},
                "EphemeralDisk": {"Sticky": false, "Migrate": false, "SizeMB": 300},
                "Tasks": [{"Name": "t", "Driver": "exec", "Config": {"command": "/bin/sleep", "args": ["60"]}}]}]}}
            """
        let job = try #require(decode(text))
        #expect(job.type == .service && job.region == "global" && job.groups.first?.tasks.first?.name == "t")
    }

    @Test("what corral does not take is named at its key; unknown fields are said to be unknown")
    func unsupportedAndUnknownFields() {
        let text = """
            {"Job": {"ID": "x", "NodePool": "gpu",
              "TaskGroups": [{"Name": "g", "Networks": [{"Mode": "bridge"}],
                "Tasks": [{"Name": "t", "Driver": "exec", "Config": {"command": "/bin/true"},
                           "Templates": [{"EmbeddedTmpl": "x"}], "Colour": "red",
                           "Resources": {"CPU": 100, "Devices": [{"Name": "nvidia/gpu"}]}}]}]}}
            """
        #expect(problems(text) == [
            #"1:21: corral does not support "NodePool" (node_pool) in Job (Nomad: node pools)"#,
            #"2:32: corral does not support "Networks" (network) in group "g" (Nomad: group networks and ports)"#,
            #"4:16: corral does not support "Templates" (template) in task "t" (Nomad: rendered configuration files)"#,
            #"4:54: unknown field "Colour" in task "t" (Nomad's API form)"#,
            #"5:42: corral does not support "Devices" (device) in Resources of task "t" (Nomad: devices such as GPUs)"#,
        ])
    }

    @Test("a file built to hold many problems keeps the first 100 and counts the rest; one copy of its line")
    func problemsAreBounded() {
        let groups = Array(repeating: "{}", count: 5000).joined(separator: ",")
        let found = diagnostics(#"{"Job": {"ID": "x", "TaskGroups": ["# + groups + "]}}")
        #expect(found.count == DiagnosticCollector.maximumEntries + 1)
        #expect(found.last?.message.hasSuffix("more problems not shown (the first 100 found are above)") == true, "\(found.last!)")
    }

    @Test("a second Job, a repeated field, and a Name that is not the ID are refused, never passed over")
    func duplicatesAndNames() {
        let found = problems(#"{"Job": {"ID": "a", "Name": "b", "Type": "batch", "Type": "service", "TaskGroups": []}, "Job": {}}"#)
        #expect(found.contains { $0.contains(#"Name "b" differs from ID "a""#) }, "\(found)")
        #expect(found.contains { $0.contains(#"duplicate field "Type" in Job"#) }, "\(found)")
        #expect(found.contains { $0.contains(#"only one "Job" is allowed"#) }, "\(found)")
    }

    @Test("a job without an ID or Name, and a group without a Name, are refused at their place")
    func missingNames() {
        let found = problems(#"{"Job": {"Type": "batch", "TaskGroups": [{"Count": 1, "Tasks": []}]}}"#)
        #expect(found.contains { $0.contains("Job: missing ID or Name") }, "\(found)")
        #expect(found.contains { $0.contains("TaskGroups element: missing Name") }, "\(found)")
    }

    @Test func constraintsAffinitiesAndSpreadsOfTheAPIFormAreRead() throws {
        let job = try #require(decode("""
            {"Job": {"ID": "placed", "Name": "placed", "Type": "batch",
              "Constraints": [{"LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="}],
              "Affinities": [{"LTarget": "${node.datacenter}", "RTarget": "dc1", "Operand": "=", "Weight": 50}],
              "Spreads": [{"Attribute": "${node.datacenter}", "Weight": 100, "SpreadTarget": [{"Value": "dc1", "Percent": 100}]}],
              "TaskGroups": [{"Name": "g", "Count": 1,
                "Constraints": [{"LTarget": "", "RTarget": "", "Operand": "distinct_hosts"}],
                "Tasks": [{"Name": "t", "Driver": "exec", "Config": {"command": "/bin/true"},
                  "Constraints": [{"LTarget": "${attr.cpu.arch}", "RTarget": ">= 1.0", "Operand": "version"}]}]}]}}
            """))
        #expect(job.constraints == [
            Constraint(attribute: "${attr.kernel.name}", operator: "=", value: "linux", scope: .job),
            Constraint(attribute: "", operator: "distinct_hosts", value: "", scope: .group("g")),
            Constraint(attribute: "${attr.cpu.arch}", operator: "version", value: ">= 1.0", scope: .task(group: "g", task: "t")),
        ])
        #expect(job.preferences.map(\.kind) == [.affinity, .spread])
    }
}
