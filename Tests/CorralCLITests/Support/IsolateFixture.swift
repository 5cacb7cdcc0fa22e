import CorralIsolation
import Foundation

/// A state root of `corral isolate` made by hand under /tmp: task directories with the records and
/// logs a test gives (no root, no task). Removed by `remove()`.
struct IsolateFixture {
    let root: String

    init() throws {
        root = "/tmp/corral-cli-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A task directory `id` with `task.json` (unless nil), `exit.json` (when given) and `files`.
    @discardableResult
    func task(_ id: String, record: String?, exit: String? = nil, files: [String: String] = [:]) throws -> String {
        let directory = root + "/" + id
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        if let record { try write(record, to: directory + "/task.json") }
        if let exit { try write(exit, to: directory + "/exit.json") }
        for (name, contents) in files { try write(contents, to: directory + "/" + name) }
        return directory
    }

    func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A record whose supervisor is `supervisor` (this process, as a stand-in that surely runs).
    static func record(id: String, command: [String] = ["/bin/sleep", "1000"], supervisor: ProcessIdentity?,
                       taskPID: Int32 = 4242, startedAt: String = "2026-05-28T19:26:40.123456789Z",
                       limits: TaskRecord.Limits? = TaskRecord.Limits(memoryBytes: 64 << 20, cpuQuotaMicros: 50_000,
                                                                        cpuPeriodMicros: 100_000, pids: 2048)) -> String {
        TaskRecord(id: id, command: command, supervisorPID: supervisor?.pid ?? 1, taskPID: taskPID, hostname: "corral-\(id)",
                   startedAt: startedAt, cgroups: [],
                   starts: .init(callerPID: nil, caller: nil, supervisor: supervisor?.startTime, task: nil),
                   limits: limits).json()
    }

    /// This process: alive, with its real start time.
    static var alive: ProcessIdentity { ProcessIdentity.current(getpid())! }
    /// This process's pid with another start time: a pid reused by someone else.
    static var reused: ProcessIdentity { ProcessIdentity(pid: getpid(), startTime: alive.startTime + 1) }

    static func exit(code: Int32, signal: Int32 = 0) -> String {
        #"{"task_pid":4242,"exit_code":\#(code),"signal":\#(signal),"core_dumped":false,"finished_at":"2026-05-28T19:30:00.000000000Z"}"#
    }
}
