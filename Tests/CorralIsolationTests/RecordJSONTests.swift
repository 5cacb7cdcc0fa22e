import Foundation
import Testing
@testable import CorralIsolation

/// `task.json` and `exit.json` are written and read by hand (CorralJSON, no Foundation in the lean
/// `corral`); Foundation's coders, through the types' `Codable` conformances, must agree with them.
@Suite("Task and exit records: the hand-written JSON agrees with Codable")
struct RecordJSONTests {
    static let awkward = ["plain", "with \"quotes\" and \\ backslash", "tab\tnew\nline\r", "\u{1}\u{1f}control",
                          "/slashes/", "ünïcødé ✓ 🐄", ""]

    @Test(arguments: awkward)
    func aTaskRecordDecodesToItself(text: String) throws {
        let record = TaskRecord(id: text, command: [text, "x", text], supervisorPID: 7, taskPID: Int32.max,
                                hostname: text, startedAt: text, cgroups: [text])
        let json = record.json()
        #expect(json.hasSuffix("}\n") && !json.dropLast().contains("\n"))
        #expect(try JSONDecoder().decode(TaskRecord.self, from: Data(json.utf8)) == record)
        #expect(try TaskRecord.parse(json) == record)
        // Keys sorted, as before.
        let keys = ["cgroups", "command", "hostname", "id", "started_at", "supervisor_pid", "task_pid"]
        let positions = keys.map { json.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
    }

    @Test func aTaskRecordKeepsStartTimesAndLimits() throws {
        let record = TaskRecord(id: "0123456789ab", command: ["/bin/sleep", "1000"], supervisorPID: 10, taskPID: 11,
                                hostname: "h", startedAt: "2026-12-07T00:00:00.000000001Z", cgroups: ["/sys/fs/cgroup/corral/x"],
                                starts: .init(callerPID: 9, caller: 100, supervisor: UInt64.max, task: 102),
                                limits: .init(memoryBytes: 64 << 20, cpuQuotaMicros: 50_000, cpuPeriodMicros: 100_000, pids: 2048))
        let json = record.json()
        #expect(try TaskRecord.parse(json) == record)
        #expect(try JSONDecoder().decode(TaskRecord.self, from: Data(json.utf8)) == record)
        let keys = ["caller_pid", "caller_start_time", "cgroups", "command", "hostname", "id", "limits", "started_at",
                    "supervisor_pid", "supervisor_start_time", "task_pid", "task_start_time"]
        let positions = keys.map { json.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(json.contains(#""limits":{"cpu_period_us":100000,"cpu_quota_us":50000,"memory_bytes":67108864,"pids":2048}"#))
        #expect(record.supervisor == ProcessIdentity(pid: 10, startTime: UInt64.max))
        #expect(record.task == ProcessIdentity(pid: 11, startTime: 102))
        #expect(record.caller == ProcessIdentity(pid: 9, startTime: 100))
        #expect(record.limits?.cpus == 0.5)
        // No cgroup: no limits member at all; a cgroup without limits: an empty one.
        var bare = record
        bare.limits = nil
        #expect(!bare.json().contains("limits"))
        bare.limits = TaskRecord.Limits()
        #expect(bare.json().contains(#""limits":{}"#))
        #expect(try TaskRecord.parse(bare.json()) == bare)
    }

    @Test func aRecordFromBeforeStartTimesReadsAsBefore() throws {
        let old = #"{"cgroups":[],"command":["sh"],"hostname":"h","id":"x","started_at":"t","supervisor_pid":5,"task_pid":6}"#
        let parsed = try TaskRecord.parse(old)
        #expect(parsed == (try JSONDecoder().decode(TaskRecord.self, from: Data(old.utf8))))
        #expect(parsed.supervisorStartTime == nil && parsed.taskStartTime == nil && parsed.callerPID == nil && parsed.limits == nil)
        #expect(parsed.supervisor == nil && parsed.task == nil && parsed.caller == nil)
        // Nulls read as missing; unknown members are ignored.
        let nulls = #"{"cgroups":[],"command":[],"hostname":"h","id":"x","started_at":"t","supervisor_pid":5,"task_pid":6,"#
            + #""supervisor_start_time":null,"limits":null,"future":{"x":[1]}}"#
        #expect(try TaskRecord.parse(nulls).supervisorStartTime == nil)
    }

    @Test func aBrokenTaskRecordIsRefusedNamingTheField() {
        let base = #""cgroups":[],"command":["sh"],"hostname":"h","id":"x","started_at":"t","supervisor_pid":5"#
        let cases: [(String, String)] = [
            ("{\(base)}", "task_pid is missing"),
            ("{\(base),\"task_pid\":-1,\"x\":1,\"task_pid\":2}", "appears twice"),
            ("{\(base),\"task_pid\":\"6\"}", "task_pid has the wrong type"),
            ("{\(base),\"task_pid\":6,\"supervisor_start_time\":-1}", "supervisor_start_time has the wrong type"),
            ("{\(base),\"task_pid\":6,\"limits\":{\"pids\":1.5}}", "limits.pids has the wrong type"),
            ("{\(base),\"task_pid\":6,\"limits\":[]}", "limits has the wrong type"),
            (#"{"cgroups":[1],"command":[],"hostname":"h","id":"x","started_at":"t","supervisor_pid":5,"task_pid":6}"#,
             "cgroups has the wrong type"),
            ("[]", "not a JSON object"),
            ("{", "line 1"),
        ]
        for (text, reason) in cases {
            do { _ = try TaskRecord.parse(text); Issue.record("accepted: \(text)") } catch {
                #expect(error.description.contains(reason), "\(text): \(error)")
            }
        }
    }

    @Test func anExitRecordReadsLikeCodableReadsIt() throws {
        let records = [
            #"{"task_pid":42,"exit_code":143,"signal":15,"core_dumped":false,"finished_at":"2026-12-07T00:00:00.000000001Z"}"#,
            #"{"task_pid":1,"exit_code":0,"signal":0,"core_dumped":true,"finished_at":"t","oom_killed":true,"log_dropped_bytes":18446744073709551615,"resources":{"memory_peak_bytes":1,"cpu_total_ns":2,"cpu_user_ns":3,"cpu_system_ns":4,"cpu_throttled_periods":5,"cpu_throttled_ns":6},"future_field":[1,{"x":null}]}"#,
            #"{"task_pid":1,"exit_code":-1,"signal":0,"core_dumped":false,"finished_at":"t","resources":{"memory_peak_bytes":null}}"#,
            #"{"task_pid":1,"exit_code":0,"signal":0,"core_dumped":false,"finished_at":"t","resources":null,"oom_killed":null}"#,
        ]
        for text in records {
            let byHand = try TaskExit.parse(text)
            let byCodable = try JSONDecoder().decode(TaskExit.self, from: Data(text.utf8))
            #expect(byHand == byCodable, "\(text)")
        }
    }

    @Test func aBrokenExitRecordIsRefusedNamingTheField() {
        let cases: [(String, String)] = [
            (#"{"exit_code":0,"signal":0,"core_dumped":false,"finished_at":"t"}"#, "task_pid is missing"),
            (#"{"task_pid":"1","exit_code":0,"signal":0,"core_dumped":false,"finished_at":"t"}"#, "task_pid has the wrong type"),
            (#"{"task_pid":4294967296,"exit_code":0,"signal":0,"core_dumped":false,"finished_at":"t"}"#, "task_pid has the wrong type"),
            (#"{"task_pid":1,"exit_code":0,"signal":0,"core_dumped":false,"finished_at":"t","resources":{"cpu_total_ns":-1}}"#,
             "resources.cpu_total_ns has the wrong type"),
            (#"[1]"#, "not a JSON object"),
            (#"{"task_pid":1,"#, "line 1"),
        ]
        for (text, reason) in cases {
            #expect(throws: ExitRecordError.self, "\(text)") { try TaskExit.parse(text) }
            do { _ = try TaskExit.parse(text) } catch { #expect(error.description.contains(reason), "\(text): \(error)") }
        }
    }
}
