#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `task.json` records when a task starts: enough to find and recognise it later.
public struct TaskRecord: Codable, Equatable, Sendable {
    public var id: String
    public var command: [String]
    public var supervisorPID: Int32
    public var taskPID: Int32
    public var hostname: String
    public var startedAt: String
    /// The task's cgroup directories (one per v1 hierarchy); empty when it has none.
    public var cgroups: [String]

    enum CodingKeys: String, CodingKey {
        case id, command, hostname, cgroups
        case supervisorPID = "supervisor_pid"
        case taskPID = "task_pid"
        case startedAt = "started_at"
    }

    public init(id: String, command: [String], supervisorPID: Int32, taskPID: Int32, hostname: String, startedAt: String,
                cgroups: [String] = []) {
        self.cgroups = cgroups
        self.id = id
        self.command = command
        self.supervisorPID = supervisorPID
        self.taskPID = taskPID
        self.hostname = hostname
        self.startedAt = startedAt
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
