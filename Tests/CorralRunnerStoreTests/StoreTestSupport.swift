import CorralDriver
import CorralRunner
import Foundation
import Testing
@testable import CorralRunnerStore

/// A fresh directory for one test, removed when the test's body returns (or throws).
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("corral-store-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}

/// The error opening `path` throws, or nil (with an issue recorded) if it opened.
func openError(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> StateStoreError? {
    do {
        let store = try SQLiteStateStore(path: path)
        try? store.close()
        Issue.record("the store opened \(path)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

func fileBytes(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}

func fileMode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

enum Fixtures {
    static func allocation(_ id: String, job: String = "web", index: Int = 0) -> Allocation {
        let task = TaskSpec(
            name: "server", driver: "exec",
            config: ["command": .string("/bin/server"), "args": .list([.string("-p"), .integer(8080)]),
                     "ratio": .number(0.25), "debug": .bool(true),
                     "nested": .object(["a": .null, "b": .string("ü/ü \"quoted\"")])],
            env: ["SECRET": "s3cr3t", "PATH": "/usr/bin"], meta: ["team": "infra"], user: "nobody",
            resources: TaskResourceSpec(cpuMHz: 250, memoryMiB: 128, memoryMaxMiB: 256, pids: 64),
            killTimeout: .milliseconds(7_500), shutdownDelay: .seconds(2), leader: true,
            restart: RestartPolicy(attempts: 3, interval: .seconds(600), delay: .seconds(15), mode: .fail))
        let group = TaskGroup(name: "frontend", count: 2, meta: ["tier": "1"], tasks: [task])
        let job = Job(id: job, type: .service, datacenters: ["dc1", "dc2"], meta: ["owner": "ops"], groups: [group])
        return Allocation(id: id, job: job, groupName: "frontend", index: index)
    }

    /// A date with a fractional part no decimal millisecond format keeps.
    static let oddDate = Date(timeIntervalSinceReferenceDate: 765_432_109.123_456_789)

    static func taskState() -> CorralRunner.TaskState {
        var state = CorralRunner.TaskState()
        let now = Date()
        state.append(.received(at: oddDate))
        state.append(.started(at: now))
        state.append(.terminated(at: now.addingTimeInterval(1.5),
                                 ExitResult(exitCode: 137, signal: 9, oomKilled: true, error: "killed")))
        state.append(.restarting(at: now.addingTimeInterval(1.75), delay: .milliseconds(15_300), reason: "x"))
        state.append(.notRestarting(at: now.addingTimeInterval(2), reason: "Exceeded allowed attempts 3"))
        try? state.transition(to: .running, at: now)
        try? state.transition(to: .dead, at: now.addingTimeInterval(3.000_000_1))
        return state
    }

    static func localState(_ alloc: String = "a1", task: String = "server") -> LocalState {
        let config = TaskConfig(id: "\(alloc)/\(task)/1", name: task, allocDir: "/var/lib/corral/alloc/\(alloc)",
                                taskDir: "/var/lib/corral/alloc/\(alloc)/\(task)")
        let handle = TaskHandle(driver: "exec", config: config, driverState: #"{"pid":4242,"cgroup":"/corral/x"}"#)
        return LocalState(
            hooks: ["task_dir": HookState(done: true, data: ["dir": "/x"], env: ["NOMAD_TASK_DIR": "/local"]),
                    "env": HookState()],
            driverHandle: handle, runCount: 1)
    }
}
