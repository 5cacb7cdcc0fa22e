import Foundation
import Testing

/// `corral run`, `corral validate` and `corral job init` end to end, with the built binary, on the
/// job files in `examples/`: exit statuses, events, task output, Ctrl-C, invalid jobs, and that
/// nothing (cgroup, state directory, mount, allocation) is left behind.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(5)))
struct RunCommandTests {
    /// The repository's `examples/`.
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples").path

    /// One run's private data directory, driver state root and cgroup parent.
    struct Place {
        let name = "r" + UUID().uuidString.prefix(8).lowercased()
        // The prefix the host mount-table checks ignore: secrets tmpfs come and go under it while a job runs.
        var dataDir: String { NSTemporaryDirectory() + "corral-runner-integ-run-\(name)" }
        var stateRoot: String { "/run/corral/test-\(name)" }
        var cgroupParent: String { "corral-test-\(name)" }
        var options: [String] {
            ["--data-dir", dataDir, "--state-root", stateRoot, "--cgroup-parent", cgroupParent]
        }

        /// Cgroups, driver state and allocation directories left behind (then removed).
        func leftovers() -> [String] {
            CorralIntegrationTests.leftovers(dataDir: dataDir, stateRoot: stateRoot, cgroupParent: cgroupParent)
        }
    }

    /// An event line of `--json`.
    struct Event: Decodable {
        var time: String
        var alloc_id: String
        var group: String
        var index: Int
        var task: String
        var type: String
        var message: String
        var exit_code: Int?
        var signal: Int?
        var oom_killed: Bool?
        var restart_delay_ms: Int?
        var fails_task: Bool?
    }

    static func events(_ stdout: String) -> [Event] {
        stdout.split(separator: "\n").compactMap { try? JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
    }

    func run(_ example: String, json: Bool = true) async throws -> (RunResult, [Event]) {
        let place = Place()
        let result = try await corralAsync(["run"] + (json ? ["--json"] : []) + place.options + [Self.examples + "/" + example])
        #expect(place.leftovers() == [], "left behind by \(example)")
        return (result, Self.events(result.stdout))
    }

    @Test func helloPrintsItsOutputAndEvents() async throws {
        let (result, _) = try await run("hello.hcl", json: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("greet[0].say | hello from say in "), "\(result.stdout)")
        let events = result.stdout.split(separator: "\n").map(String.init).filter { $0.contains("  greet[0].say  ") }
        let fields = events.map { $0.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        #expect(fields.map { $0.count > 2 ? $0[2] : "" } == ["Received", "Task Setup", "Started", "Terminated"], "\(result.stdout)")
        #expect(fields.last?.last == "Exit Code: 0", "\(result.stdout)")
        // The time as every human output writes it (HH:MM:SS today), and the messages in one column.
        #expect(fields.allSatisfy { $0.first?.count == 8 && $0.first?.filter { $0 == ":" }.count == 2 }, "\(result.stdout)")
        let messageColumns = Set(zip(events, fields).compactMap { line, fields in
            fields.last.flatMap { line.range(of: $0) }.map { line.distance(from: line.startIndex, to: $0.lowerBound) }
        })
        #expect(messageColumns.count == 1, "\(result.stdout)")
    }

    @Test func helloAsJSONEvents() async throws {
        let (result, events) = try await run("hello.hcl")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(events.map(\.type) == ["Received", "Task Setup", "Started", "Terminated"])
        #expect(events.allSatisfy { $0.group == "greet" && $0.index == 0 && $0.task == "say" && $0.alloc_id.count == 36 })
        #expect(events.last?.exit_code == 0 && events.last?.signal == 0 && events.last?.oom_killed == false)
        #expect(!result.stdout.contains("hello from"), "task output is not mixed into --json")
    }

    @Test func restartExampleRestartsExactlyAsThePolicySays() async throws {
        let (result, events) = try await run("restart.hcl")
        #expect(result.status == 1, "a task that failed for good: \(result.stderr)")
        #expect(events.filter { $0.type == "Started" }.count == 3)
        let restarts = events.filter { $0.type == "Restarting" }
        #expect(restarts.count == 2)
        #expect(restarts.allSatisfy { ($0.restart_delay_ms ?? 0) >= 1000 && ($0.restart_delay_ms ?? 0) <= 1250 })
        let last = try #require(events.last)
        #expect(last.type == "Not Restarting")
        #expect(last.message == #"Exceeded allowed attempts 2 in interval 1m0s and mode is "fail""#)
        #expect(last.fails_task == true)
    }

    @Test func oomExampleReportsTheOOMKill() async throws {
        let (result, events) = try await run("oom.hcl")
        #expect(result.status == 1, "\(result.stderr)")
        let terminated = try #require(events.first { $0.type == "Terminated" })
        #expect(terminated.oom_killed == true, "\(events.map(\.message))")
        #expect(events.contains { $0.type == "OOM Killed" })
    }

    @Test func cpuLimitExampleCompletes() async throws {
        let (result, _) = try await run("cpu-limit.hcl", json: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("g[0].spin | spun"))
    }

    @Test func devicesAndMountsExampleSeesThem() async throws {
        let (result, _) = try await run("devices-mounts.hcl", json: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("g[0].check | device /dev/host-full is here"), "\(result.stdout)")
        #expect(result.stdout.contains("g[0].check | the mount is read-only"))
        let firstLine = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8))?.split(separator: "\n").first ?? ""
        #expect(result.stdout.contains("g[0].check | \(firstLine)"))
    }

    @Test func seccompExampleDeniesMkdir() async throws {
        let (result, _) = try await run("seccomp.hcl", json: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("g[0].try | mkdir denied"), "\(result.stdout)")
    }

    @Test func leaderExampleStopsTheSidecar() async throws {
        let (result, events) = try await run("leader.hcl")
        #expect(result.status == 0, "\(result.stderr)")
        let sidecar = events.filter { $0.task == "sidecar" }.map(\.type)
        #expect(sidecar.suffix(4) == ["Leader Task Dead", "Killing", "Terminated", "Killed"], "\(sidecar)")
    }

    @Test func ctrlCStopsAServiceGracefullyAndExitsZero() async throws {
        let place = Place()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let job = directory + "/svc.hcl"
        try """
            job "svc" {
              type = "service"
              group "g" {
                count = 2
                task "t" {
                  driver       = "exec"
                  kill_timeout = "3s"
                  config {
                    command = "/bin/sh"
                    args    = ["-c", "trap 'exit 0' TERM; touch $NOMAD_ALLOC_DIR/trapping; while :; do sleep 0.1; done"]
                  }
                  resources { memory = 32 }
                }
              }
            }
            """.write(toFile: job, atomically: true, encoding: .utf8)
        let arguments = ["run", "--json"] + place.options + [job]
        let (seen, status, took) = try await offCooperativePool { () -> (Data, Int32, Double) in
            let started = try StartedCorral(arguments)
            defer { if started.process.isRunning { kill(started.process.processIdentifier, SIGKILL) } }
            var seen = Data()
            while String(decoding: seen, as: UTF8.self).components(separatedBy: "\"Started\"").count < 3 {
                let chunk = started.stdout.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += chunk
            }
            // Both shells have their trap set (a SIGTERM before it would be dropped: the shell is PID 1).
            let allocations = place.dataDir + "/alloc"
            _ = eventually(timeout: 30) {
                let ids = (try? FileManager.default.contentsOfDirectory(atPath: allocations)) ?? []
                return ids.filter { FileManager.default.fileExists(atPath: "\(allocations)/\($0)/alloc/trapping") }.count == 2
            }
            let interrupted = Date()
            kill(started.process.processIdentifier, SIGINT)
            seen += started.stdout.fileHandleForReading.readDataToEndOfFile()
            started.process.waitUntilExit()
            return (seen, started.process.terminationStatus, Date().timeIntervalSince(interrupted))
        }
        #expect(status == 0)
        #expect(took < 3, "the tasks honour SIGTERM: no need to wait for kill_timeout (\(took) s)")
        let events = Self.events(String(decoding: seen, as: UTF8.self))
        for alloc in Set(events.map(\.alloc_id)) {
            let types = events.filter { $0.alloc_id == alloc }.map(\.type)
            #expect(types.suffix(3) == ["Killing", "Terminated", "Killed"], "\(types)")
        }
        #expect(Set(events.map(\.alloc_id)).count == 2)
        #expect(place.leftovers() == [])
    }

    @Test func aSecondCtrlCKillsAtOnce() async throws {
        let place = Place()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let job = directory + "/stubborn.hcl"
        try """
            job "stubborn" {
              type = "service"
              group "g" {
                task "t" {
                  driver       = "exec"
                  kill_timeout = "30s"
                  config {
                    command = "/bin/sh"
                    args    = ["-c", "trap '' TERM INT; echo up; while :; do sleep 0.1; done"]
                  }
                  resources { memory = 32 }
                }
              }
            }
            """.write(toFile: job, atomically: true, encoding: .utf8)
        let arguments = ["run", "--json"] + place.options + [job]
        let (seen, status, took) = try await offCooperativePool { () -> (Data, Int32, Double) in
            let started = try StartedCorral(arguments)
            defer { if started.process.isRunning { kill(started.process.processIdentifier, SIGKILL) } }
            var seen = started.read(until: "\"Started\"")
            let interrupted = Date()
            kill(started.process.processIdentifier, SIGINT)
            // The task ignores SIGTERM: the graceful kill would take its 30 s kill_timeout.
            seen += started.read(until: "\"Killing\"")
            kill(started.process.processIdentifier, SIGINT)
            seen += started.stdout.fileHandleForReading.readDataToEndOfFile()
            started.process.waitUntilExit()
            return (seen, started.process.terminationStatus, Date().timeIntervalSince(interrupted))
        }
        #expect(took < 10, "the second Ctrl-C did not force the kill (\(took) s)")
        #expect(status == 0)
        let events = Self.events(String(decoding: seen, as: UTF8.self))
        #expect(events.first { $0.type == "Terminated" }?.signal == 9)
        #expect(events.last?.type == "Killed")
        #expect(place.leftovers() == [])
    }

    @Test func invalidJobPrintsEveryErrorAndStartsNothing() async throws {
        let place = Place()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let job = directory + "/bad.hcl"
        try """
            job "bad" {
              type = "batch"
              group "g" {
                task "t" {
                  driver = "exec"
                  config { command = "/bin/true" }
                  resources {
                    memry = 64
                  }
                  kill_timeout = 5
                }
              }
            }
            """.write(toFile: job, atomically: true, encoding: .utf8)
        let result = try await corralAsync(["run"] + place.options + [job])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.hcl:8:9: unknown attribute \"memry\" in resources (did you mean \"memory\"?)"),
                "\(result.stderr)")
        #expect(result.stderr.contains("bad.hcl:10:22:"), "the second error is reported too: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: place.dataDir), "nothing is created for an invalid job")
        let validate = try await corralAsync(["validate", job])
        #expect(validate.status == 2)
        #expect(validate.stderr == result.stderr)
    }

    /// A job file's variables (issue 20, HCL2): their defaults, a -var-file and -var in that order; a value
    /// a validation block refuses, or a variable the file does not declare, is an invalid job (exit 2) that
    /// says why, and nothing runs.
    @Test func variablesFromTheCommandLineReachTheTask() async throws {
        let place = Place()
        let file = Self.examples + "/hcl2/variables.hcl"
        let plain = try await corralAsync(["run"] + place.options + [file])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("greet[0].say | Hello to ana, bo, cy (3 names) from say"), "\(plain.stdout)")
        let set = try await corralAsync(["run", "-var", "greeting=bonjour", "-var-file", Self.examples + "/hcl2/few-names.hcl"]
                                        + place.options + [file])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.contains("greet[0].say | Bonjour to xu (1 names) from say"), "\(set.stdout)")
        #expect(place.leftovers() == [])

        let refused = try await corralAsync(["validate", "--var", "names=[]", file])
        #expect(refused.status == 2 && refused.stderr.contains("variable \"names\": Give between 1 and 10 names."), "\(refused.stderr)")
        let typo = try await corralAsync(["run", "-var", "greting=hi"] + place.options + [file])
        #expect(typo.status == 2 && typo.stderr.contains("-var greting: there is no variable \"greting\" in the job file (did you mean \"greeting\"?)"),
                "\(typo.stderr)")
        #expect(!typo.stdout.contains("Started"))
    }

    @Test func validateAndJobInit() async throws {
        for example in ["hello.hcl", "restart.hcl", "oom.hcl", "cpu-limit.hcl", "devices-mounts.hcl", "seccomp.hcl", "leader.hcl"] {
            let result = try await corralAsync(["validate", Self.examples + "/" + example])
            #expect(result.status == 0, "\(example): \(result.stderr)")
        }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/example.hcl"
        #expect(try await corralAsync(["job", "init", file]).status == 0)
        #expect(try await corralAsync(["job", "init", file]).status == 125, "no overwrite without --force")
        let validate = try await corralAsync(["validate", file])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("job \"example\" (service) is valid"))
    }

    @Test func aJobTooBigForTheNodeIsRefusedWithTheNumbers() async throws {
        let place = Place()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let job = directory + "/big.hcl"
        try """
            job "big" {
              type = "batch"
              group "g" {
                count = 3
                task "t" {
                  driver = "mock"
                  resources { memory = 100000000 }
                }
              }
            }
            """.write(toFile: job, atomically: true, encoding: .utf8)
        let result = try await corralAsync(["run"] + place.options + [job])
        #expect(result.status == 125)
        #expect(result.stderr.contains("job \"big\" does not fit this node: needs 300000000 MiB memory, node has "), "\(result.stderr)")
        #expect(place.leftovers() == [])
    }
}
