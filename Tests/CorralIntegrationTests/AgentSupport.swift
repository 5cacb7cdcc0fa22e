import Foundation
import Synchronization
import Testing

/// A `corral agent` of the built binary on private paths (data directory, socket, driver state,
/// cgroup parent), with its log in a file; the CLI's client commands pointed at it.
final class AgentUnderTest: Sendable {
    let name = "a" + UUID().uuidString.prefix(8).lowercased()
    // Under the prefix the host mount-table checks ignore: secrets tmpfs come and go under it.
    var dataDir: String { NSTemporaryDirectory() + "corral-runner-integ-agent-\(name)" }
    var socket: String { "/run/corral/test-\(name).sock" }
    var stateRoot: String { "/run/corral/test-\(name)" }
    var cgroupParent: String { "corral-test-\(name)" }
    var log: String { NSTemporaryDirectory() + "corral-agent-log-\(name)" }
    private let process = Mutex<Process?>(nil)

    /// Starts an agent (with `environment` added to the test's own) and waits until it answers.
    func start(extra: [String] = [], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Integration.corral)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.arguments = ["agent", "--data-dir", dataDir, "--listen", socket, "--state-root", stateRoot,
                             "--cgroup-parent", cgroupParent, "--log-level", "debug"] + extra
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process.withLock { $0 = process }
        // The agent is ready once it answers on its socket (it restores before it listens).
        let ready = eventually(timeout: 30) {
            FileManager.default.fileExists(atPath: socket) && (try? runCorralProcess(["node", "status", "--address", socket]))?.status == 0
        }
        try #require(ready, "the agent did not answer within 30 s; its log:\n\(agentLog())")
    }

    var pid: pid_t { process.withLock { $0?.processIdentifier ?? 0 } }

    /// Sends `signal` to the agent and waits for it to exit; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard let process = process.withLock({ $0 }) else { return -1 }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process.withLock { $0 = nil }
        return process.terminationStatus
    }

    /// SIGKILLs the agent and, without waiting for it to be gone, starts the next one on the same
    /// data directory (as a supervisor such as systemd may); then reaps the killed one.
    func killAndRestartAtOnce() throws {
        guard let old = process.withLock({ $0 }) else { return }
        kill(old.processIdentifier, SIGKILL)
        defer { old.waitUntilExit() }
        try start()
    }

    func agentLog() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// `corral ARGS --address SOCKET`, waited for off the cooperative pool.
    func cli(_ arguments: [String], stdin: String? = nil) async throws -> RunResult {
        try await offCooperativePool { try runCorralProcess(arguments + ["--address", self.socket], stdin: stdin) }
    }

    /// `cli` for a subcommand whose trailing `-- CMD` must stay last.
    func cli(_ arguments: [String], then command: [String], stdin: String? = nil) async throws -> RunResult {
        try await offCooperativePool {
            try runCorralProcess(arguments + ["--address", self.socket, "--"] + command, stdin: stdin)
        }
    }

    /// The allocation as the API returns it (`alloc status --json`).
    func allocation(_ id: String) async throws -> [String: Any] {
        let result = try await cli(["alloc", "status", "--json", id])
        try #require(result.status == 0, "alloc status \(id): \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// The allocation ids of a job.
    func allocations(of job: String) async throws -> [String] {
        let result = try await cli(["job", "status", "--json", job])
        try #require(result.status == 0, "job status \(job): \(result.stderr)")
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return ((detail["allocations"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
    }

    /// Event types of a task, oldest first.
    static func events(_ allocation: [String: Any], task: String) -> [[String: Any]] {
        let states = allocation["task_states"] as? [String: Any]
        return ((states?[task] as? [String: Any])?["events"] as? [[String: Any]]) ?? []
    }

    static func state(_ allocation: [String: Any], task: String) -> String? {
        ((allocation["task_states"] as? [String: Any])?[task] as? [String: Any])?["state"] as? String
    }

    /// The live log file of a task, read directly.
    func logFile(_ alloc: String, task: String, stream: String = "stdout") -> String {
        (try? String(contentsOfFile: "\(dataDir)/alloc/\(alloc)/alloc/logs/\(task).\(stream)", encoding: .utf8)) ?? ""
    }

    /// Task cgroups under the parent (on the memory controller, or the unified hierarchy).
    func taskCgroups() -> [String] {
        for root in ["/sys/fs/cgroup/memory", "/sys/fs/cgroup"] where FileManager.default.fileExists(atPath: root + "/" + cgroupParent) {
            return subdirectories(of: root + "/" + cgroupParent)
        }
        return []
    }

    /// For a test that failed before `tearDown`: kills the agent, the processes of every task cgroup
    /// and the tasks' supervisors, then removes cgroups, mounts and directories. A no-op after a
    /// clean `tearDown`. (An agent's tasks outlive it by design: nothing else would end them.)
    func forceCleanup() {
        if pid != 0 { stop(signal: SIGKILL) }
        for root in ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup"] {
            for cgroup in subdirectories(of: root + "/" + cgroupParent) {
                let procs = (try? String(contentsOfFile: "\(root)/\(cgroupParent)/\(cgroup)/cgroup.procs", encoding: .utf8)) ?? ""
                for pid in procs.split(separator: "\n").compactMap({ pid_t($0) }) { kill(pid, SIGKILL) }
            }
        }
        // Supervisors name their task's cgroup on their command line.
        for pid in processes(containing: "/" + cgroupParent + "/").live { kill(pid, SIGKILL) }
        _ = eventually(timeout: 5) {
            ["/sys/fs/cgroup/memory", "/sys/fs/cgroup"].allSatisfy { root in
                subdirectories(of: root + "/" + cgroupParent).allSatisfy { rmdir(root + "/" + cgroupParent + "/" + $0) == 0 }
            }
        }
        _ = leftovers(dataDir: dataDir, stateRoot: stateRoot, cgroupParent: cgroupParent)
        try? FileManager.default.removeItem(atPath: log)
        unlink(socket)
    }

    /// Purges every job, stops the agent, and returns what was left behind (then removed):
    /// cgroups, driver state, allocation directories, mounts.
    func tearDown() async throws -> [String] {
        if pid != 0 {
            let jobs = try await cli(["job", "status", "--json"])
            let list = (try? JSONSerialization.jsonObject(with: Data(jobs.stdout.utf8)) as? [[String: Any]]) ?? []
            for job in list.compactMap({ $0["id"] as? String }) { _ = try await cli(["job", "stop", "--purge", job]) }
            stop()
        }
        let left = leftovers(dataDir: dataDir, stateRoot: stateRoot, cgroupParent: cgroupParent)
        try? FileManager.default.removeItem(atPath: log)
        // An agent that was SIGKILLed in the test (a crash being tested) could not remove its socket.
        unlink(socket)
        return left
    }
}

/// Processes whose command line contains `marker` (the tasks of a test), zombies apart.
func processes(containing marker: String) -> (live: [pid_t], zombies: [pid_t]) {
    var live: [pid_t] = [], zombies: [pid_t] = []
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = pid_t(entry), pid != getpid() else { continue }
        guard let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else { continue }
        let text = String(decoding: cmdline.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        guard text.contains(marker) else { continue }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        if state == "Z" { zombies.append(pid) } else { live.append(pid) }
    }
    return (live, zombies)
}

/// The shells among them: a task's or an exec's own process, not a `corral` naming it in its arguments.
func shells(containing marker: String) -> [pid_t] {
    processes(containing: marker).live.filter {
        ((try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8)) ?? "").hasPrefix("sh")
    }
}

/// A job file in a fresh temporary directory; returns its path.
func writeJob(_ text: String, name: String) throws -> String {
    let dir = try temporaryDirectory()
    let path = dir + "/" + name + ".hcl"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// A service job running a shell loop that prints numbered lines (and `got-usr1` on SIGUSR1);
/// `marker` is in its command line, so the test can count its processes.
func loopJob(_ id: String, marker: String, type: String = "service", script: String? = nil, restart: String = "") -> String {
    let body = script ?? "trap 'echo got-usr1' USR1; i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done"
    return """
    job "\(id)" {
      type = "\(type)"
      group "g" {
        \(restart)
        task "t" {
          driver = "exec"
          # The shell is PID 1 of its namespace: it ignores SIGTERM, and a stop waits this long.
          kill_timeout = "1s"
          config {
            command = "/bin/sh"
            args    = ["-c", "\(body.replacingOccurrences(of: "\"", with: "\\\""))", "\(marker)"]
          }
          resources {
            cpu    = 50
            memory = 32
          }
        }
      }
    }
    """
}
