import CorralAPI
import CorralIsolation
import Foundation
import Testing
@testable import CorralCLI

/// `corral ps` from state directories made by hand: each state, a pid reused by another process,
/// malformed records, and the table and JSON printed.
@Suite("isolate ps")
struct IsolatePsTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let now = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28 20:26:40 UTC

    @Test func theStateFollowsTheExitRecordThenTheSupervisor() {
        let exited = TaskExit(taskPID: 1, exitCode: 3, signal: 0, coreDumped: false, finishedAt: "t")
        let killed = TaskExit(taskPID: 1, exitCode: 137, signal: 9, coreDumped: false, finishedAt: "t")
        #expect(IsolateTaskState.classify(supervisorAlive: true, exit: nil) == .running)
        #expect(IsolateTaskState.classify(supervisorAlive: false, exit: nil) == .gone)
        // A record written means the task ended, whether or not its supervisor is still finishing.
        #expect(IsolateTaskState.classify(supervisorAlive: true, exit: .success(exited)) == .exited(code: 3))
        #expect(IsolateTaskState.classify(supervisorAlive: false, exit: .success(killed)) == .killed(signal: 9))
        #expect(IsolateTaskState.classify(supervisorAlive: false, exit: .failure(.init(description: "exit.json: x"))) == .unknown(reason: "exit.json: x"))
        #expect(IsolateTaskState.killed(signal: 9).text == "killed by SIGKILL")
        #expect(IsolateTaskState.exited(code: 0).text == "exited 0")
        #expect(IsolateTaskState.running.mayBeRunning && IsolateTaskState.unknown(reason: "").mayBeRunning)
        #expect(!IsolateTaskState.gone.mayBeRunning && !IsolateTaskState.exited(code: 0).mayBeRunning)
    }

    @Test func directoriesAreReadAsTasks() throws {
        let fixture = try IsolateFixture()
        defer { fixture.remove() }
        try fixture.task("aaaa00000001", record: IsolateFixture.record(id: "aaaa00000001", supervisor: IsolateFixture.alive))
        try fixture.task("aaaa00000002", record: IsolateFixture.record(id: "aaaa00000002", supervisor: IsolateFixture.alive),
                         exit: IsolateFixture.exit(code: 3))
        try fixture.task("bbbb00000003", record: IsolateFixture.record(id: "bbbb00000003", supervisor: IsolateFixture.reused),
                         exit: IsolateFixture.exit(code: 137, signal: 9))
        // The supervisor's pid is held by another process (this one, started at another time): gone.
        try fixture.task("bbbb00000004", record: IsolateFixture.record(id: "bbbb00000004", supervisor: IsolateFixture.reused))
        // A record from before start times were kept: the pid is this test, not a supervisor.
        try fixture.task("cccc00000005", record: """
            {"cgroups":[],"command":["sh"],"hostname":"h","id":"cccc00000005","started_at":"2026-05-28T19:00:00.000000000Z",\
            "supervisor_pid":\(getpid()),"task_pid":7}
            """)
        try fixture.task("dddd00000006", record: "{\"id\": 3")
        try fixture.task("dddd00000007", record: nil)
        try fixture.task("dddd00000008", record: IsolateFixture.record(id: "dddd00000008", supervisor: IsolateFixture.alive),
                         exit: "[]")
        #expect(symlink("/etc", fixture.root + "/eeee00000009") == 0)

        let tasks = try IsolateTasks.list(root: fixture.root)
        let states = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0.state) })
        #expect(states["aaaa00000001"] == .running)
        #expect(states["aaaa00000002"] == .exited(code: 3))
        #expect(states["bbbb00000003"] == .killed(signal: 9))
        #expect(states["bbbb00000004"] == .gone)
        #expect(states["cccc00000005"] == .gone)
        #expect(states["dddd00000006"].map { "\($0)" }?.contains("task.json") == true, "\(String(describing: states["dddd00000006"]))")
        #expect(states["dddd00000007"] == .unknown(reason: "no task.json (a task still starting, or a start cut short)"))
        #expect(states["dddd00000008"].map { "\($0)" }?.contains("exit.json: not a JSON object") == true)
        #expect(states["eeee00000009"].map { "\($0)" }?.contains("symbolic link") == true, "links are never followed")
        #expect(tasks.count == 9)
        #expect(try IsolateTasks.list(root: fixture.root + "/none").isEmpty, "no state root: no tasks")
    }

    @Test func aSupervisorThatExitedIsNotRunningThoughNotReapedYet() throws {
        // A child that exits and is not waited for: a zombie, which an orphaned supervisor stays until
        // its new parent reaps it.
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { argv.forEach { free($0) } }
        try #require(posix_spawn(&pid, "/bin/true", nil, nil, &argv, nil) == 0)
        let identity = try #require(ProcessIdentity.current(pid))
        var info = siginfo_t()
        // WNOWAIT: wait for the exit but leave the child a zombie.
        try #require(waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == 0)
        defer { waitpid(pid, nil, 0) }
        #expect(identity.isAlive && !identity.isRunning && ProcessIdentity.isZombie(pid))
        #expect(IsolateFixture.alive.isRunning && !ProcessIdentity.isZombie(getpid()))

        let fixture = try IsolateFixture()
        defer { fixture.remove() }
        try fixture.task("aaaa00000001", record: IsolateFixture.record(id: "aaaa00000001", supervisor: identity))
        #expect(try IsolateTasks.list(root: fixture.root).map(\.state) == [.gone])
    }

    @Test func idsMatchWholeOrByAUniquePrefix() throws {
        let fixture = try IsolateFixture()
        defer { fixture.remove() }
        for id in ["abc100000000", "abc200000000", "fff000000000"] {
            try fixture.task(id, record: IsolateFixture.record(id: id, supervisor: IsolateFixture.alive))
        }
        #expect(try IsolateTasks.find("fff", root: fixture.root).id == "fff000000000")
        #expect(try IsolateTasks.find("abc100000000", root: fixture.root).id == "abc100000000")
        let ambiguous = #expect(throws: CLIFailure.self) { try IsolateTasks.find("abc", root: fixture.root) }
        #expect(ambiguous?.exitStatus == 2)
        #expect(ambiguous?.description.contains("abc100000000, abc200000000") == true)
        let missing = #expect(throws: CLIFailure.self) { try IsolateTasks.find("0", root: fixture.root) }
        #expect(missing?.exitStatus == 3)
        #expect(throws: CLIFailure.self) { try IsolateTasks.find("", root: fixture.root) }
    }

    @Test func theTableShowsCommandPidStartStateAndLimits() throws {
        let fixture = try IsolateFixture()
        defer { fixture.remove() }
        let long = ["/bin/sh", "-c", "while true; do echo a very long line of shell; sleep 1; done"]
        try fixture.task("aaaa00000001", record: IsolateFixture.record(id: "aaaa00000001", command: long, supervisor: IsolateFixture.alive))
        try fixture.task("aaaa00000002", record: IsolateFixture.record(id: "aaaa00000002", command: ["echo", "\u{1B}]0;evil\u{7}"],
                                                                       supervisor: IsolateFixture.reused, limits: nil),
                         exit: IsolateFixture.exit(code: 137, signal: 9))
        let tasks = try IsolateTasks.list(root: fixture.root)
        #expect(IsolatePs.render(tasks, now: Self.now, timeZone: Self.utc) == """
            ID            Command                                   PID   Started   State              Limits
            aaaa00000001  /bin/sh -c while true; do echo a very l…  4242  19:26:40  running            memory 64 MiB, cpus 0.5, pids 2048
            aaaa00000002  echo ?]0;evil?                            4242  19:26:40  killed by SIGKILL  -

            """)
        #expect(IsolatePs.render([], now: Self.now) == "No tasks\n")
        #expect(IsolatePs.limits(TaskRecord.Limits()) == "none")
        #expect(IsolatePs.limits(TaskRecord.Limits(cpuQuotaMicros: 150_000, cpuPeriodMicros: 100_000)) == "cpus 1.5")
        #expect(IsolatePs.number(1.0 / 3) == "0.333" && IsolatePs.number(2) == "2" && IsolatePs.number(1.05) == "1.05")
        #expect(IsolatePs.number(1e300) == "1e+300", "absurd records do not crash")
    }

    @Test func jsonRowsHaveEveryKey() throws {
        let fixture = try IsolateFixture()
        defer { fixture.remove() }
        try fixture.task("aaaa00000001", record: IsolateFixture.record(id: "aaaa00000001", supervisor: IsolateFixture.alive))
        try fixture.task("aaaa00000002", record: IsolateFixture.record(id: "aaaa00000002", supervisor: IsolateFixture.reused),
                         exit: IsolateFixture.exit(code: 143, signal: 15))
        try fixture.task("aaaa00000003", record: "nonsense")
        let tasks = try IsolateTasks.list(root: fixture.root)
        let data = try APICoding.encoder().encode(tasks.map(IsolatePs.Row.init))
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(rows.count == 3)
        let keys: Set = ["id", "command", "pid", "supervisor_pid", "started_at", "state", "exit_code", "signal", "limits", "state_dir"]
        for row in rows { #expect(keys.isSubset(of: Set(row.keys)), "\(row.keys)") }
        #expect(rows[0]["state"] as? String == "running" && rows[0]["pid"] as? Int == 4242)
        #expect(rows[0]["supervisor_pid"] as? Int == Int(getpid()))
        #expect(rows[0]["exit_code"] is NSNull && rows[0]["signal"] is NSNull)
        let limits = try #require(rows[0]["limits"] as? [String: Any])
        #expect(limits["memory_bytes"] as? Int == 64 << 20 && limits["cpus"] as? Double == 0.5 && limits["pids"] as? Int == 2048)
        #expect(rows[1]["state"] as? String == "killed" && rows[1]["exit_code"] as? Int == 143 && rows[1]["signal"] as? Int == 15)
        #expect(rows[2]["state"] as? String == "unknown" && rows[2]["pid"] is NSNull)
        #expect((rows[2]["reason"] as? String)?.contains("task.json") == true)
    }
}
