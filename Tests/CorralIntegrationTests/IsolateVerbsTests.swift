import Foundation
import Testing

/// `corral ps`, `logs`, `kill` and `prune` on tasks whose `corral isolate` was killed (SIGKILL): the
/// supervisor and the task run on; the verbs find them from their state directories.
///
/// The first test uses the default state root (/run/corral/isolate), which other suites' tasks share:
/// it acts only on the ids it started (`prune ID...`). The second uses a root of its own.
@Suite("Isolate verbs (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(2)))
struct IsolateVerbsTests {
    @Test func psLogsKillAndPruneATaskWhoseCallerWasKilled() async throws {
        let marker = "corral-it-verbs-\(UUID().uuidString.prefix(8))"
        let parent = Cgroups.testParent()
        let cleanup = TaskCleanup(cgroupParent: parent)
        defer { cleanup.run() }

        // A: handles SIGTERM; B: pid 1 running sleep, which only SIGKILL ends.
        let trapping = try startOrphan(marker: marker + "-a", parent: parent, cleanup: cleanup,
                                       script: "trap 'echo got-term; exit 7' TERM; echo \(marker)-a; echo err-a >&2; "
                                           + "while :; do sleep 0.05; done")
        let sleeping = try startOrphan(marker: marker + "-b", parent: parent, cleanup: cleanup,
                                       script: "echo \(marker)-b; exec sleep 1000")

        // ps: both running, each with its task's pid (alive), its limits, its command.
        let ps = try await corralAsync(["ps"])
        #expect(ps.status == 0, "\(ps.stderr)")
        for task in [trapping, sleeping] {
            let line = try #require(ps.stdout.split(separator: "\n").first { $0.hasPrefix(task.id) }, "\(ps.stdout)")
            #expect(line.contains(" \(task.pid) ") && line.contains("running") && line.contains("pids 2048"), "\(line)")
            #expect(kill(task.pid, 0) == 0)
        }
        #expect(ps.stdout.hasPrefix("ID "), "\(ps.stdout)")
        let row = try #require(try psRows(["--all"]).first { $0["id"] as? String == trapping.id })
        #expect(row["state"] as? String == "running" && row["pid"] as? Int == Int(trapping.pid))
        #expect(row["supervisor_pid"] as? Int == Int(trapping.supervisorPID))

        // logs: what the task wrote, each stream; an id prefix is enough.
        let logs = try await corralAsync(["logs", String(trapping.id.prefix(6))])
        #expect(logs.status == 0 && logs.stdout == "\(marker)-a\n", "\(logs.stdout) \(logs.stderr)")
        #expect(try await corralAsync(["logs", "--stderr", trapping.id]).stdout == "err-a\n")

        // logs -f follows until the task ends; kill (SIGTERM through the supervisor) ends it.
        let follower = try StartedCorral(["logs", "-f", trapping.id])
        _ = follower.read(until: "\(marker)-a\n")
        let term = try await corralAsync(["kill", trapping.id])
        #expect(term.status == 0 && term.stdout == "==> Sent SIGTERM to task \(trapping.id)\n", "\(term.stderr)")
        let followed = follower.read(until: "got-term\n")
        follower.process.waitUntilExit()
        #expect(String(decoding: followed, as: UTF8.self).hasSuffix("got-term\n"))
        #expect(follower.process.terminationStatus == 0)
        #expect(waitForExit(of: trapping.supervisorPID), "the supervisor exits with the task")

        // kill -s KILL (docker's and podman's form of `kill ID KILL`): every process of the task, recorded
        // by the supervisor as a kill.
        let kill9 = try await corralAsync(["kill", "-s", "KILL", sleeping.id])
        #expect(kill9.status == 0, "\(kill9.stderr)")
        #expect(waitForExit(of: sleeping.supervisorPID))
        #expect(Cgroups.leftovers(under: parent).isEmpty, "the supervisor removed the cgroups")

        // ps: without --all neither; with it, how each ended.
        #expect(try psRows([]).filter { [trapping.id, sleeping.id].contains($0["id"] as? String) }.isEmpty)
        let ended = try psRows(["--all"])
        let a = try #require(ended.first { $0["id"] as? String == trapping.id })
        let b = try #require(ended.first { $0["id"] as? String == sleeping.id })
        #expect(a["state"] as? String == "exited" && a["exit_code"] as? Int == 7, "\(a)")
        #expect(b["state"] as? String == "killed" && b["signal"] as? Int == 9, "\(b)")
        let all = try await corralAsync(["ps", "--all"])
        #expect(all.stdout.contains("exited 7") && all.stdout.contains("killed by SIGKILL"), "\(all.stdout)")
        #expect(try await corralAsync(["kill", trapping.id]).status == 3, "an ended task is not running")

        // prune: both directories gone; nothing else under the root touched.
        let prune = try await corralAsync(["prune", trapping.id, sleeping.id])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(prune.stdout.contains("Removed \(trapping.id) (exited 7)") && prune.stdout.contains("Removed \(sleeping.id)"))
        for task in [trapping, sleeping] {
            #expect(!FileManager.default.fileExists(atPath: "/run/corral/isolate/\(task.id)"))
        }
        #expect(try await corralAsync(["logs", trapping.id]).status == 3)
    }

    @Test func aGoneTaskIsPrunedWithItsCgroup() async throws {
        let marker = "corral-it-verbs-\(UUID().uuidString.prefix(8))"
        let parent = Cgroups.testParent()
        let root = "/run/corral/test-verbs-\(UUID().uuidString.prefix(8).lowercased())"
        let cleanup = TaskCleanup(cgroupParent: parent, stateRoot: root)
        defer { cleanup.run() }
        let running = try startOrphan(marker: marker + "-c", parent: parent, cleanup: cleanup,
                                      script: "echo \(marker)-c; exec sleep 1000", stateRoot: root)
        let gone = try startOrphan(marker: marker + "-d", parent: parent, cleanup: cleanup,
                                   script: "echo \(marker)-d; exec sleep 1000", stateRoot: root)
        // Its supervisor killed: the task dies with it (parent-death signal); nothing records an exit
        // and nobody removes its cgroup.
        kill(gone.supervisorPID, SIGKILL)
        #expect(waitForExit(of: gone.pid))
        #expect(eventually { !FileManager.default.fileExists(atPath: "/proc/\(gone.supervisorPID)") })
        let cgroups = try taskCgroups(in: root + "/" + gone.id)
        #expect(!cgroups.isEmpty && cgroups.allSatisfy { FileManager.default.fileExists(atPath: $0) })

        let rows = try psRows(["--all", "--state-root", root])
        #expect(rows.map { $0["state"] as? String } == ["running", "gone"], "\(rows)")
        #expect(try psRows(["--state-root", root]).map { $0["id"] as? String } == [running.id])
        #expect(try await corralAsync(["kill", gone.id, "--state-root", root]).status == 3)

        // prune (all of this root): the gone task's directory and cgroup; the running one stays.
        let prune = try await corralAsync(["prune", "--json", "--state-root", root])
        #expect(prune.status == 0, "\(prune.stderr)")
        let removed = try #require(try JSONSerialization.jsonObject(with: Data(prune.stdout.utf8)) as? [[String: Any]])
        #expect(removed.map { $0["id"] as? String } == [gone.id], "\(prune.stdout)")
        #expect(Set(removed.first?["cgroups"] as? [String] ?? []) == Set(cgroups))
        #expect(!FileManager.default.fileExists(atPath: root + "/" + gone.id))
        #expect(cgroups.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(FileManager.default.fileExists(atPath: root + "/" + running.id + "/task.json"))
        // Named, a running task is kept and said so.
        let refused = try await corralAsync(["prune", running.id, "--state-root", root])
        #expect(refused.status == 125 && refused.stderr.contains("it is running"), "\(refused.stderr)")

        #expect(try await corralAsync(["kill", running.id, "9", "--state-root", root]).status == 0)
        #expect(waitForExit(of: running.supervisorPID))
        #expect(try await corralAsync(["prune", "--state-root", root]).status == 0)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).isEmpty)
        #expect(Cgroups.leftovers(under: parent).isEmpty)
    }

    /// A task started by `corral isolate` whose `corral isolate` was then SIGKILLed.
    struct Orphan {
        var id: String
        var pid: pid_t
        var supervisorPID: pid_t
    }

    /// Starts `corral isolate` on `script` (in the default state root, or `stateRoot/<name>`), waits
    /// for the task's first line, finds its state directory, and SIGKILLs the `corral isolate`.
    func startOrphan(marker: String, parent: String, cleanup: TaskCleanup, script: String,
                     stateRoot: String? = nil) throws -> Orphan {
        var arguments = ["isolate", "--cgroup-parent", parent]
        if let stateRoot { arguments += ["--state-dir", stateRoot + "/" + marker] }
        let corral = try StartedCorral(arguments + ["--", "/bin/sh", "-c", script])
        cleanup.add(corral.process)
        _ = corral.read(until: marker + "\n")
        let root = stateRoot ?? "/run/corral/isolate"
        var found: (String, [String: Any])?
        _ = eventually {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
                guard let data = FileManager.default.contents(atPath: "\(root)/\(name)/task.json"),
                      let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      (record["command"] as? [String])?.last == script else { continue }
                found = (name, record)
                return true
            }
            return false
        }
        let (id, record) = try #require(found, "no state directory of \(marker) under \(root)")
        let orphan = Orphan(id: id, pid: pid_t(record["task_pid"] as? Int ?? 0), supervisorPID: pid_t(record["supervisor_pid"] as? Int ?? 0))
        cleanup.add(orphan, root: root)
        kill(corral.process.processIdentifier, SIGKILL)
        corral.process.waitUntilExit()
        #expect(kill(orphan.pid, 0) == 0, "the task runs on without its corral isolate")
        return orphan
    }

    /// `ps --json ARGS` as rows.
    func psRows(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try runCorralProcess(["ps", "--json"] + arguments)
        try #require(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }
}

/// Whatever a test started, ended and removed on every path: its `corral isolate` processes, its
/// tasks' supervisors and processes (by pid only while `/proc` names them as such), their cgroups
/// under the test's parent, and their state directories.
final class TaskCleanup {
    private var processes: [Process] = []
    private var tasks: [(IsolateVerbsTests.Orphan, String)] = []
    let cgroupParent: String
    let stateRoot: String?

    init(cgroupParent: String, stateRoot: String? = nil) {
        self.cgroupParent = cgroupParent
        self.stateRoot = stateRoot
    }

    func add(_ process: Process) { processes.append(process) }
    func add(_ task: IsolateVerbsTests.Orphan, root: String) { tasks.append((task, root)) }

    func run() {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for (task, _) in tasks {
            let comm = (try? String(contentsOfFile: "/proc/\(task.supervisorPID)/comm", encoding: .utf8)) ?? ""
            if comm.hasPrefix("corral-supervis") { kill(task.supervisorPID, SIGKILL) }
        }
        // Whatever is left in the test's cgroups is the tests' own.
        for directory in Cgroups.leftovers(under: cgroupParent) {
            let procs = (try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? ""
            for pid in procs.split(separator: "\n").compactMap({ pid_t($0) }) { kill(pid, SIGKILL) }
        }
        _ = eventually(timeout: 10) {
            Cgroups.leftovers(under: cgroupParent).allSatisfy { rmdir($0) == 0 || errno == ENOENT }
        }
        Cgroups.removeParent(cgroupParent)
        for (task, root) in tasks { try? FileManager.default.removeItem(atPath: root + "/" + task.id) }
        if let stateRoot { try? FileManager.default.removeItem(atPath: stateRoot) }
    }
}
