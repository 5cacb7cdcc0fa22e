import Foundation
import Testing

/// `corral agent` with the exec driver, driven through the CLI as an operator would: the whole
/// lifecycle of a job, an agent stopped (SIGTERM) and one killed (SIGKILL) in the middle of a start,
/// and what the next agent recovers: exit codes that happened meanwhile, logs without gaps, one copy
/// of every task, nothing left behind.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(5)))
struct AgentCommandTests {
    @Test func submitStatusLogsExecSignalStopThroughTheCLI() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let marker = "corral-it-\(agent.name)"
        let file = try writeJob(loopJob("web", marker: marker), name: "web")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }

        let run = try await agent.cli(["job", "run", file])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Started"), "\(run.stdout)")
        let status = try await agent.cli(["job", "status", "web"])
        #expect(status.stdout.contains("running"), "\(status.stdout)")
        let id = try #require(try await agent.allocations(of: "web").first)
        let short = String(id.prefix(8))
        #expect(AgentUnderTest.state(try await agent.allocation(short), task: "t") == "running")
        let human = try await agent.cli(["alloc", "status", short])
        #expect(human.stdout.contains("Started"), "\(human.stdout)")

        // Logs: what is there, then followed as the task writes.
        #expect(eventually { agent.logFile(id, task: "t").contains("line 3") })
        #expect(try await agent.cli(["alloc", "logs", short]).stdout.hasPrefix("line 0\nline 1\n"))
        // Followed: 40 lines, most of them written after the command started (head ends it).
        let socket = agent.socket
        let followed = try await offCooperativePool {
            try bash("timeout 20 \"$0\" alloc logs -f \(short) --address \(socket) | head -n 40")
        }
        #expect(followed.stdout.split(separator: "\n") == (0..<40).map { "line \($0)"[...] }, "\(followed.stdout.suffix(200))")

        // Exec: output and exit code of a command run inside the task.
        let exec = try await agent.cli(["alloc", "exec", short], then: ["/bin/sh", "-c", "echo in-task $(hostname); exit 3"])
        #expect(exec.status == 3, "\(exec.stderr)")
        #expect(exec.stdout.hasPrefix("in-task "), "\(exec.stdout)")
        // Stdin of many WebSocket frames, each larger than a default 16 KiB frame.
        let input = String(repeating: "x", count: 300_000)
        let counted = try await agent.cli(["alloc", "exec", "-i", short], then: ["/usr/bin/wc", "-c"], stdin: input)
        #expect(counted.status == 0, "\(counted.stderr)")
        #expect(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "300000")
        // A command not found is 127, one not executable 126, as with isolate; corral's own failure 125.
        let missing = try await agent.cli(["alloc", "exec", short], then: ["/bin/nosuch"])
        #expect(missing.status == 127 && missing.stderr.contains("/bin/nosuch"), "\(missing.stderr)")
        #expect(try await agent.cli(["alloc", "exec", short], then: ["nosuch-command"]).status == 127)
        #expect(try await agent.cli(["alloc", "exec", short], then: ["/etc/passwd"]).status == 126)
        #expect(try await agent.cli(["alloc", "exec", "ffffffff"], then: ["/bin/true"]).status == 125)

        // Signal: an unknown one is a usage error, sent nowhere; then the task's trap runs.
        let unknown = try await agent.cli(["alloc", "signal", "-s", "SIGFOO", short])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown signal"), "\(unknown.stderr)")
        let signal = try await agent.cli(["alloc", "signal", "-s", "SIGUSR1", short])
        #expect(signal.status == 0, "\(signal.stderr)")
        #expect(eventually { agent.logFile(id, task: "t").contains("got-usr1") })

        // Stop: waits until the task is dead.
        let stop = try await agent.cli(["job", "stop", "web"])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(AgentUnderTest.state(try await agent.allocation(id), task: "t") == "dead")
        #expect(processes(containing: marker).live.isEmpty)
        #expect(try await agent.tearDown() == [])
    }

    /// `nomad job run -output web.hcl | corral job run -detach -`: Nomad's API form on standard
    /// input, with Nomad's single-dash flags; its problems are positioned in `<stdin>`.
    @Test func nomadsAPIFormOnStandardInputWithSingleDashFlags() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let job = #"{"Job": {"ID": "piped", "Type": "batch", "Priority": null, "TaskGroups": [{"Name": "g", "Count": 1, "#
            + #""Tasks": [{"Name": "t", "Driver": "mock", "Config": {"run_for": "1ms"}, "KillTimeout": 2000000000}]}]}}"#
        let run = try await agent.cli(["job", "run", "-detach", "-json", "-"], stdin: job)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"piped\""), "\(run.stdout)")
        let bad = try await agent.cli(["job", "run", "-detach", "-"], stdin: #"{"Job": {"ID": "x", "NodePool": "gpu", "TaskGroups": []}}"#)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains(#"<stdin>:1:21: corral does not support "NodePool" (node_pool) in Job"#), "\(bad.stderr)")
        _ = try await agent.cli(["job", "stop", "-purge", "piped"])
        #expect(try await agent.tearDown() == [])
    }

    /// `corral job run -var ... -var-file ...`: the job file's variables go to the agent with it; file
    /// functions are refused there (the agent would read its own host's files).
    @Test func variablesAreSentWithTheJobAndFileFunctionsRefused() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let job = """
            variable "run_for" { type = string }
            variable "output" { default = "default" }
            job "vars" {
              type = "batch"
              group "g" {
                task "t" {
                  driver = "mock"
                  config {
                    run_for       = var.run_for
                    stdout_string = upper(var.output)
                  }
                }
              }
            }

            """
        let file = try writeJob(job, name: "vars")
        let directory = (file as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "output = \"from-file\"\n".write(toFile: directory + "/values.hcl", atomically: true, encoding: .utf8)
        let run = try await agent.cli(["job", "run", "-var", "run_for=10ms", "-var-file", directory + "/values.hcl", file])
        #expect(run.status == 0, "\(run.stderr)")
        let id = try #require(try await agent.allocations(of: "vars").first)
        #expect(eventually { agent.logFile(id, task: "t").contains("FROM-FILE") }, "\(agent.logFile(id, task: "t"))")
        let missing = try await agent.cli(["job", "run", file])
        #expect(missing.status == 2 && missing.stderr.contains("variable \"run_for\" has no value"), "\(missing.stderr)")
        let reading = try writeJob(job.replacingOccurrences(of: "upper(var.output)", with: "file(\"/etc/hostname\")"), name: "reads")
        defer { try? FileManager.default.removeItem(atPath: (reading as NSString).deletingLastPathComponent) }
        let refused = try await agent.cli(["job", "run", "-var", "run_for=1ms", reading])
        #expect(refused.status == 2 && refused.stderr.contains("which a job sent to the agent cannot do"), "\(refused.stderr)")
        _ = try await agent.cli(["job", "stop", "-purge", "vars"])
        #expect(try await agent.tearDown() == [])
    }

    /// `corral job plan` (Nomad's, issue 20 item 8): create, no change and update, a refusal, each with
    /// Nomad's exit status (1 when allocations would be placed or stopped); nothing a plan shows happens.
    @Test func jobPlanShowsWhatARunWouldDoAndChangesNothing() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let job = """
            variable "memory" { default = 32 }
            job "planned" {
              group "g" {
                task "t" {
                  driver = "mock"
                  config { run_for = "1h" }
                  resources { memory = var.memory }
                }
              }
            }

            """
        let file = try writeJob(job, name: "planned")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        let create = try await agent.cli(["job", "plan", file])
        #expect(create.status == 1, "\(create.stderr)")
        #expect(create.stdout.contains("+ Job: \"planned\" (create)") && create.stdout.contains("Group \"g\": 1 allocation(s) to place")
                && create.stdout.contains("corral job run -check-index 0 \(file)"), "\(create.stdout)")
        #expect(try await agent.cli(["job", "status", "planned"]).status == 3, "a plan submits nothing")

        #expect(try await agent.cli(["job", "run", "-detach", file]).status == 0)
        let running = try await agent.allocations(of: "planned")
        let same = try await agent.cli(["job", "plan", file])
        #expect(same.status == 0 && same.stdout.contains("Job: \"planned\" (no change)"), "\(same.stdout)\(same.stderr)")
        let changed = try await agent.cli(["job", "plan", "-var", "memory=48", "-json", file])
        #expect(changed.status == 1, "\(changed.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(changed.stdout.utf8)) as? [String: Any])
        #expect(plan["change"] as? String == "update" && plan["stop"] as? [String] == running, "\(plan)")
        let refused = try await agent.cli(["job", "plan", "-var", "memory=100000000", file])
        #expect(refused.status == 1 && refused.stdout.contains("The agent would refuse this job:"), "\(refused.stdout)")
        #expect(try await agent.allocations(of: "planned") == running, "the plans stopped nothing")
        #expect(try await corralAsync(["job", "validate", "-var", "memory=64", file]).status == 0)

        _ = try await agent.cli(["job", "stop", "-purge", "planned"])
        #expect(try await agent.tearDown() == [])
    }

    @Test func invalidJobFilesAndUnknownIdsAreClearErrors() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let file = try writeJob("job \"x\" {\n  group \"g\" {\n    task \"t\" {\n      driver = \"exec\"\n      memry = 3\n    }\n  }\n}\n",
                                name: "bad")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        let run = try await agent.cli(["job", "run", file])
        #expect(run.status == 2)
        #expect(run.stderr.contains("bad.hcl:5:7"), "\(run.stderr)")
        let noFile = try await agent.cli(["job", "run", "/nonexistent/job.hcl"])
        #expect(noFile.status == 2)
        #expect(noFile.stderr.contains("/nonexistent/job.hcl"), "\(noFile.stderr)")
        let missing = try await agent.cli(["alloc", "status", "ffffffff"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("no allocation"), "\(missing.stderr)")
        #expect(try await agent.cli(["job", "status", "nosuchjob"]).status == 3)
        #expect(try await agent.tearDown() == [])
        let unreachable = try await agent.cli(["job", "status"])
        #expect(unreachable.status == 4)
        #expect(unreachable.stderr.contains("no agent answers at \(agent.socket)"), "\(unreachable.stderr)")
    }

    @Test func sigtermLeavesTasksRunningAndTheNextAgentRestoresThem() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let marker = "corral-it-\(agent.name)"
        var files: [String] = []
        defer { for file in files { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) } }
        for number in 0..<3 {
            files.append(try writeJob(loopJob("svc\(number)", marker: marker), name: "svc\(number)"))
            let run = try await agent.cli(["job", "run", files.last!])
            #expect(run.status == 0, "\(run.stderr)")
        }
        // The batch task finishes while no agent runs: it waits for a file the test creates then, in
        // the allocation's shared directory (`/alloc/data` inside the task).
        files.append(try writeJob(loopJob("batch", marker: marker, type: "batch",
                                          script: "while [ ! -e /alloc/data/go ]; do sleep 0.05; done; echo batch-done; exit 7",
                                          restart: "restart {\n      attempts = 0\n      mode = \"fail\"\n    }"),
                                  name: "batch"))
        #expect(try await agent.cli(["job", "run", "--detach", files.last!]).status == 0)
        let services = try await (0..<3).asyncMap { try await agent.allocations(of: "svc\($0)")[0] }
        let batch = try #require(try await agent.allocations(of: "batch").first)
        let gate = "\(agent.dataDir)/alloc/\(batch)/alloc/data/go"
        #expect(eventually { processes(containing: marker).live.count >= 4 })

        #expect(agent.stop(signal: SIGTERM) == 0, "\(agent.agentLog())")
        let before = services.map { agent.logFile($0, task: "t").split(separator: "\n").count }
        #expect(processes(containing: marker).live.count >= 4, "a task died with the agent")
        FileManager.default.createFile(atPath: gate, contents: nil)
        #expect(eventually { agent.logFile(batch, task: "t").contains("batch-done") })
        // Lines written while no agent runs.
        #expect(eventually { zip(services, before).allSatisfy { agent.logFile($0, task: "t").split(separator: "\n").count >= $1 + 5 } })

        try agent.start()
        let exited = try await agent.allocation(batch)
        #expect(AgentUnderTest.state(exited, task: "t") == "dead")
        let terminated = AgentUnderTest.events(exited, task: "t").first { $0["type"] as? String == "Terminated" }
        #expect((terminated?["details"] as? [String: String])?["exit_code"] == "7", "\(AgentUnderTest.events(exited, task: "t"))")
        #expect((exited["stub"] as? [String: Any])?["client_status"] as? String == "failed")
        for (service, count) in zip(services, before) {
            let detail = try await agent.allocation(service)
            #expect(AgentUnderTest.state(detail, task: "t") == "running")
            #expect(AgentUnderTest.events(detail, task: "t").filter { $0["type"] as? String == "Started" }.count == 1)
            let logs = try await agent.cli(["alloc", "logs", service]).stdout.split(separator: "\n")
            #expect(logs.count > count + 4)
            // An exec into a restored task reaches it (its cgroup as recorded), and says its own status.
            let exec = try await agent.cli(["alloc", "exec", service], then: ["/bin/sh", "-c", "exit 3"])
            #expect(exec.status == 3, "\(exec.stderr)")
            #expect(try await agent.cli(["alloc", "exec", service], then: ["/bin/nosuch"]).status == 127)
            // No gap: line N is the N-th line.
            #expect(logs.enumerated().allSatisfy { $0.element == "line \($0.offset)" }, "\(logs.prefix(5))")
        }
        // One copy of each service (a shell and its sleep), no zombie.
        let tasks = processes(containing: marker)
        #expect(tasks.zombies.isEmpty)
        #expect(agent.taskCgroups().count == 3, "\(agent.taskCgroups())")
        #expect(try await agent.tearDown() == [])
        #expect(processes(containing: marker).live.isEmpty)
    }

    @Test func anExecEndsWithItsClientAndWithTheAgent() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let marker = "corral-it-\(agent.name)"
        let file = try writeJob(loopJob("ex", marker: marker), name: "ex")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        #expect(try await agent.cli(["job", "run", file]).status == 0)
        let id = try #require(try await agent.allocations(of: "ex").first)
        // The client goes away (SIGKILL): the command it started is killed.
        let client = try StartedCorral(["alloc", "exec", id, "--address", agent.socket, "--", "/bin/sh", "-c",
                                        "echo ready; sleep 1001", "\(marker)-client"])
        _ = client.read(until: "ready")
        #expect(!shells(containing: "\(marker)-client").isEmpty)
        kill(client.process.processIdentifier, SIGKILL)
        #expect(eventually { shells(containing: "\(marker)-client").isEmpty })
        // The agent stops (SIGTERM) during an exec: it ends the command and does not wait for it.
        let second = try StartedCorral(["alloc", "exec", id, "--address", agent.socket, "--", "/bin/sh", "-c",
                                        "echo ready; sleep 1002", "\(marker)-agent"])
        _ = second.read(until: "ready")
        let stopping = ContinuousClock.now
        #expect(agent.stop(signal: SIGTERM) == 0)
        #expect(ContinuousClock.now - stopping < .seconds(8), "the agent waited for the exec")
        #expect(eventually { shells(containing: "\(marker)-agent").isEmpty })
        second.process.waitUntilExit()
        // The killed command's status (137) when its last frame made it out, else corral's own 125.
        #expect([137, 125].contains(second.process.terminationStatus), "\(second.process.terminationStatus)")
        try agent.start()
        #expect(try await agent.tearDown() == [])
    }

    /// An agent started right after the previous one was SIGKILLed (not waited for) gets the data
    /// directory: the lock goes with the dying agent, and no task or supervisor keeps it. Twenty
    /// times (four in the emulated guest), with a running service (started by the first agent).
    @Test func aRestartRightAfterASIGKILLSucceeds() async throws {
        let agent = AgentUnderTest()
        try agent.start()
        defer { agent.forceCleanup() }
        let marker = "corral-it-\(agent.name)"
        let file = try writeJob(loopJob("steady", marker: marker), name: "steady")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        #expect(try await agent.cli(["job", "run", "--detach", file]).status == 0)
        #expect(eventually(timeout: 30) { shells(containing: marker).count == 1 })
        // Emulated (the cgroup v2 guest), an agent's start takes seconds: fewer rounds fit the time limit.
        let rounds = ProcessInfo.processInfo.environment["CORRAL_TEST_GUEST"] == nil ? 20 : 4
        for round in 1...rounds {
            try agent.killAndRestartAtOnce()
            #expect(!agent.agentLog().contains("is locked"), "round \(round): the lock was still held")
        }
        // The service ran once through all of it.
        #expect(shells(containing: marker).count == 1, "\(shells(containing: marker))")
        #expect(try await agent.tearDown() == [])
    }

    @Test func sigkillInTheMiddleOfAStartLeavesOneCopyOfTheTask() async throws {
        let agent = AgentUnderTest()
        try agent.start(extra: ["--test-prestart-delay", "3s"])
        defer { agent.forceCleanup() }
        let marker = "corral-it-\(agent.name)"
        let file = try writeJob(loopJob("slow", marker: marker), name: "slow")
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        #expect(try await agent.cli(["job", "run", "--detach", file]).status == 0)
        let id = try #require(try await agent.allocations(of: "slow").first)
        // In prestart: the task directory is built, the (injected) delay runs, no task yet.
        var inSetup = false
        for _ in 0..<100 where !inSetup {
            let types = AgentUnderTest.events(try await agent.allocation(id), task: "t").compactMap { $0["type"] as? String }
            inSetup = types.contains("Task Setup")
        }
        #expect(inSetup)
        #expect(processes(containing: marker).live.isEmpty)
        agent.stop(signal: SIGKILL)

        try agent.start()
        var detail = try await agent.allocation(id)
        for _ in 0..<200 where AgentUnderTest.state(detail, task: "t") != "running" {
            detail = try await agent.allocation(id)
        }
        #expect(AgentUnderTest.state(detail, task: "t") == "running", "\(AgentUnderTest.events(detail, task: "t"))")
        #expect(eventually { !agent.logFile(id, task: "t").isEmpty })
        // Exactly one copy: one task cgroup, one shell loop.
        #expect(agent.taskCgroups().count == 1, "\(agent.taskCgroups())")
        #expect(shells(containing: marker).count == 1, "\(shells(containing: marker))")
        #expect(try await agent.tearDown() == [])
        #expect(processes(containing: marker).live.isEmpty)
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
