import CorralDriver
import CorralJobspec
import CorralRunner
import Testing

/// Forms real Nomad job files use that corral once refused by mistake: a task written directly in the
/// job, values HCL2 converts between types, `memory_max = -1`, `count = 0`, comments in the JSON
/// form; and Nomad's stanzas corral does not take, named as such.
@Suite("Jobspec: Nomad's forms")
struct JobspecNomadFormsTests {
    @Test("a task written in the job is a group of its own name, beside the real groups")
    func aLoneTaskBecomesItsOwnGroup() throws {
        let job = try #require(decode("""
            job "j" {
              task "solo" {
                driver = "exec"
                config { command = "/bin/true" }
              }
              group "g" {
                task "t" {
                  driver = "exec"
                  config { command = "/bin/true" }
                }
              }
            }
            """, format: .hcl))
        #expect(job.groups.map(\.name).sorted() == ["g", "solo"])
        let solo = try #require(job.groups.first { $0.name == "solo" })
        #expect(solo.count == 1 && solo.tasks.map(\.name) == ["solo"])
        #expect(solo.tasks.first?.restart == nil, "the job type's restart defaults, as for a task in a group")
    }

    @Test("namespace and datacenters are read as Nomad writes them; Nomad's defaults are every datacenter and default")
    func namespaceAndDatacenters() throws {
        let task = "task \"t\" {\n driver = \"exec\"\n config { command = \"/bin/true\" }\n }"
        let named = try #require(decode("job \"j\" {\n namespace = \"team-a\"\n datacenters = [\"eu-*\"]\n \(task)\n}",
                                        format: .hcl))
        #expect(named.namespace == "team-a" && named.datacenters == ["eu-*"])
        let plain = try #require(decode("job \"j\" {\n \(task)\n}", format: .hcl))
        #expect(plain.namespace == "default" && plain.datacenters == ["*"])
        #expect(problems("job \"j\" {\n datacenters = []\n \(task)\n}", format: .hcl)
                    .contains { $0.contains("datacenters: must list at least one datacenter") })
        #expect(problems("job \"j\" {\n namespace = \"\"\n \(task)\n}", format: .hcl)
                    .contains { $0.contains("namespace: must not be empty") })
    }

    @Test("constraint, affinity and spread at every level, with Nomad's shorthands, each scoped to where it was written")
    func placementBlocks() throws {
        let job = try #require(decode("""
            job "j" {
              constraint {
                attribute = "${attr.kernel.name}"
                value     = "linux"
              }
              constraint { distinct_hosts = true }
              affinity {
                attribute = "${node.datacenter}"
                value     = "dc1"
                weight    = 70
              }
              spread {
                attribute = "${node.datacenter}"
                target "dc1" { percent = 100 }
              }
              group "g" {
                constraint {
                  attribute = "${attr.kernel.version}"
                  version   = ">= 3.19"
                }
                constraint { distinct_property = "${meta.rack}" }
                task "t" {
                  driver = "exec"
                  config { command = "/bin/true" }
                  constraint {
                    attribute = "${attr.cpu.arch}"
                    operator  = "set_contains_any"
                    value     = "amd64,arm64"
                  }
                  affinity {
                    attribute = "${meta.rack}"
                    regexp    = "r[0-9]"
                  }
                }
              }
            }
            """, format: .hcl))
        #expect(job.constraints == [
            Constraint(attribute: "${attr.kernel.name}", operator: "=", value: "linux", scope: .job),
            Constraint(attribute: "", operator: "distinct_hosts", value: "", scope: .job),
            Constraint(attribute: "${attr.kernel.version}", operator: "version", value: ">= 3.19", scope: .group("g")),
            Constraint(attribute: "${meta.rack}", operator: "distinct_property", value: "", scope: .group("g")),
            Constraint(attribute: "${attr.cpu.arch}", operator: "set_contains_any", value: "amd64,arm64",
                       scope: .task(group: "g", task: "t")),
        ])
        #expect(job.preferences.map(\.kind) == [.affinity, .spread, .affinity])
        #expect(job.preferences[0].weight == 70 && job.preferences[2].constraint.operator == "regexp")
    }

    @Test("system and sysbatch jobs run one allocation of each group; priority is 1 to 100")
    func systemJobsAndPriority() throws {
        let task = "task \"t\" {\n driver = \"exec\"\n config { command = \"/bin/true\" }\n }"
        let system = try #require(decode("job \"j\" {\n type = \"system\"\n priority = 70\n group \"g\" {\n \(task)\n }\n}", format: .hcl))
        #expect(system.type == .system && system.priority == 70 && !system.type.runsToCompletion)
        #expect(system.groups[0].tasks[0].restart == nil && RestartPolicy.defaults(for: .system).attempts == 2)
        let sysbatch = try #require(decode("job \"j\" {\n type = \"sysbatch\"\n \(task)\n}", format: .hcl))
        #expect(sysbatch.type.runsToCompletion && sysbatch.priority == 50)
        #expect(RestartPolicy.defaults(for: .sysbatch) == RestartPolicy.defaults(for: .batch))
        #expect(problems("job \"j\" {\n type = \"system\"\n group \"g\" {\n count = 3\n \(task)\n }\n}", format: .hcl)
                    .contains { $0.contains("count cannot exceed 1, got 3 in group \"g\"") })
        for bad in ["0", "101", "-5"] {
            #expect(problems("job \"j\" {\n priority = \(bad)\n \(task)\n}", format: .hcl).contains { $0.contains("priority") }, "\(bad)")
        }
        #expect(problems("job \"j\" {\n type = \"daemon\"\n \(task)\n}", format: .hcl)
                    .contains { $0.contains("\"service\", \"batch\", \"system\" or \"sysbatch\"") })
    }

    @Test("an affinity's problem is reported once")
    func affinityProblemsOnce() {
        let found = problems("job \"j\" {\n affinity {\n attribute = \"${attr.x}\"\n value = \"1\"\n wieght = 5\n }\n"
                             + " task \"t\" {\n driver = \"exec\"\n config { command = \"/bin/true\" }\n }\n}", format: .hcl)
        #expect(found.filter { $0.contains("wieght") }.count == 1, "\(found)")
    }

    @Test("a placement rule that cannot be checked is refused at its place")
    func badPlacementRules() {
        let cases: [(String, String)] = [
            ("constraint {\n attribute = \"${attr.x}\"\n operator = \"like\"\n value = \"y\"\n }", "unknown operator \"like\""),
            ("constraint {\n attribute = \"${attr.x}\"\n }", "missing value for operator \"=\""),
            ("constraint {\n value = \"linux\"\n }", "missing attribute"),
            ("constraint {\n attribute = \"${attr.x}\"\n regexp = \"[\"\n }", "is not a regular expression"),
            ("constraint {\n attribute = \"${attr.x}\"\n version = \">= banana\"\n }", "is not a version constraint"),
            ("constraint {\n attribute = \"${attr.x}\"\n version = \"1\"\n value = \"2\"\n }", "not both"),
            ("affinity {\n attribute = \"${attr.x}\"\n value = \"1\"\n weight = 101\n }", "affinity.weight"),
            ("affinity {\n attribute = \"${attr.x}\"\n operator = \"distinct_hosts\"\n }", "for constraints only"),
            ("constraint {\n attribute = \"${attr.x}\"\n value = \"1\"\n atribute = \"y\"\n }", "did you mean \"attribute\""),
            ("spread {\n weight = 10\n }", "spread: missing attribute"),
            ("constraint {\n attribute = \"${meta.rack}\"\n operator = \"distinct_property\"\n value = \"-1\"\n }",
             "the limit of distinct_property"),
        ]
        for (block, expected) in cases {
            let found = problems("job \"j\" {\n \(block)\n task \"t\" {\n driver = \"exec\"\n config { command = \"/bin/true\" }\n }\n}",
                                 format: .hcl)
            #expect(found.contains { $0.contains(expected) }, "\(block): \(found)")
        }
    }

    @Test("a task in the job named like a group is a duplicate group, said so")
    func aLoneTaskClashingWithAGroupIsReported() {
        let found = problems("""
            job "j" {
              group "web" {
                task "t" {
                  driver = "exec"
                  config { command = "/bin/true" }
                }
              }
              task "web" {
                driver = "exec"
                config { command = "/bin/true" }
              }
            }
            """, format: .hcl)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("8:3: duplicate group name \"web\" in job \"j\" (first at 2:3)") == true, "\(found)")
    }

    @Test("numbers and bools written as strings, and numbers where strings go, as HCL2 converts them")
    func primitiveConversions() throws {
        let job = try #require(decode("""
            job "j" {
              group "g" {
                count = "2"
                task "t" {
                  driver = "exec"
                  user = 1000
                  leader = "true"
                  config {
                    command = "/bin/true"
                    pids_limit = "64"
                  }
                  resources {
                    cpu = "500"
                    memory = "256.0"
                  }
                }
              }
            }
            """, format: .hcl))
        let group = try #require(job.groups.first)
        let task = try #require(group.tasks.first)
        #expect(group.count == 2)
        #expect(task.user == "1000" && task.leader)
        #expect(task.resources.cpuMHz == 500 && task.resources.memoryMiB == 256)
        #expect(task.config["pids_limit"] == .integer(64))
    }

    @Test("a string that is no number is still refused where a number goes, with the string shown")
    func nonNumericStringsAreRefused() {
        let found = problems(#"{"job": {"j": {"group": {"g": {"count": "two", "task": {"t": {"driver": "exec", "config": {"command": "/bin/true"}, "resources": {"cpu": "0x10", "memory": " 5"}}}}}}}}"#)
        #expect(found.contains { $0.hasSuffix("count: expected an integer, got the string \"two\"") }, "\(found)")
        #expect(found.contains { $0.hasSuffix("resources.cpu: expected an integer, got the string \"0x10\"") }, "\(found)")
        #expect(found.contains { $0.hasSuffix("resources.memory: expected an integer, got the string \" 5\"") }, "\(found)")
    }

    @Test("memory_max = -1 lifts the hard limit; other values below 1 are refused")
    func memoryMaxMinusOne() throws {
        let job = try #require(decode(#"{"job": {"j": {"group": {"g": {"task": {"t": {"driver": "exec", "config": {"command": "/bin/true"}, "resources": {"memory": 128, "memory_max": -1}}}}}}}}"#))
        let resources = try #require(job.groups.first?.tasks.first?.resources)
        #expect(resources.memoryMaxMiB == TaskResourceSpec.noMemoryLimit && resources.hasNoMemoryLimit)
        #expect(JobLimits.problems(job).isEmpty)
        let found = problems(#"{"job": {"j": {"group": {"g": {"task": {"t": {"driver": "exec", "config": {"command": "/bin/true"}, "resources": {"memory_max": -2}}}}}}}}"#)
        #expect(found.count == 1 && found.first?.contains("resources.memory_max: must be -1 (no limit) or 1 to") == true, "\(found)")
    }

    @Test("a job built by a program with memory above the bound and a memory_max is refused, not a crash")
    func limitsOfABuiltJobNeverTrap() throws {
        var job = try #require(decode(#"{"job": {"j": {"group": {"g": {"task": {"t": {"driver": "mock"}}}}}}}"#))
        job.groups[0].tasks[0].resources.memoryMiB = JobLimits.maximumMemoryMiB + 1
        job.groups[0].tasks[0].resources.memoryMaxMiB = 512
        let found = JobLimits.problems(job)
        #expect(found.contains { $0.contains("resources.memory:") }, "\(found)")
        #expect(found.contains { $0.contains("resources.memory_max: must be at least memory") }, "\(found)")
    }

    @Test("count = 0: a group with no instances is valid")
    func countZero() throws {
        let job = try #require(decode(#"{"job": {"j": {"group": {"g": {"count": 0, "task": {"t": {"driver": "exec", "config": {"command": "/bin/true"}}}}}}}}"#))
        #expect(job.groups.first?.count == 0)
        #expect(JobLimits.problems(job).isEmpty)
        #expect(problems(#"{"job": {"j": {"group": {"g": {"count": -1, "task": {"t": {"driver": "exec", "config": {"command": "/bin/true"}}}}}}}}"#)
                == ["1:41: count: must be at least 0, got -1"])
    }

    @Test("comments in the JSON form are blanks: positions after them are the file's own")
    func jsonComments() {
        let text = """
            // a job in HCL's JSON form
            {"job": {"j": { # the job
              /* a block
                 comment */ "group": {"g": {"task": {"t": {
                "driver": "exec",
                "config": {"command": "/bin/echo", "args": ["// not a comment", "# nor this", "/* nor */"]},
                "resources": {"memry": 5}
              }}}}
            }}}
            """
        #expect(problems(text) == [#"7:19: unknown attribute "memry" in resources (did you mean "memory"?)"#])
        let clean = text.replacingOccurrences(of: #""memry": 5"#, with: #""memory": 5"#)
        let job = decode(clean)
        #expect(job?.groups.first?.tasks.first?.config["args"] == .list([.string("// not a comment"), .string("# nor this"),
                                                                           .string("/* nor */")]))
    }

    @Test("a line comment ends at a lone carriage return too: the next member is read, not hidden")
    func lineCommentEndsAtCR() {
        let job = decode("{\"job\": {\"j\": { // c\r\"type\": \"batch\", \"group\": {\"g\": {\"task\": {\"t\": {\"driver\": \"mock\"}}}}}}}")
        #expect(job?.type == .batch)
    }

    @Test("a whole number written with an exponent where a string goes is its digits, as HCL2 writes it")
    func exponentNumbersAsStrings() {
        let job = decode(#"{"job": {"j": {"group": {"g": {"task": {"t": {"driver": "mock", "user": 1e3}}}}}}}"#)
        #expect(job?.groups.first?.tasks.first?.user == "1000")
    }

    @Test("an unterminated block comment is still a syntax error at its place")
    func unterminatedComment() {
        let found = problems("{\"job\": /* never closed\n")
        #expect(found.count == 1 && found.first?.hasPrefix("1:9:") == true, "\(found)")
    }

    @Test("Nomad's stanzas corral does not take are named as unsupported, at every level")
    func unsupportedStanzas() {
        let found = problems("""
            job "j" {
              update { max_parallel = 1 }
              group "g" {
                network { mode = "bridge" }
                task "t" {
                  driver = "exec"
                  config { command = "/bin/true" }
                  vault { policies = ["x"] }
                  template { data = "x" }
                  resources {
                    device "nvidia/gpu" {}
                  }
                }
              }
            }
            """, format: .hcl)
        #expect(found == [
            #"2:3: corral does not support "update" in job "j" (Nomad: rolling updates and canaries)"#,
            #"4:5: corral does not support "network" in group "g" (Nomad: group networks and ports)"#,
            #"8:7: corral does not support "vault" in task "t" (Nomad: secrets from Vault)"#,
            #"9:7: corral does not support "template" in task "t" (Nomad: rendered configuration files)"#,
            #"11:9: corral does not support "device" in resources (Nomad: devices such as GPUs)"#,
        ])
        // A typo of a supported name keeps its suggestion.
        #expect(problems(#"job "j" { grup "g" {} }"#, format: .hcl).contains(#"1:11: unknown block "grup" in job "j" (did you mean "group"?)"#))
    }
}
