#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a task ended, as its supervisor recorded it in `exit.json`.
public struct TaskExit: Codable, Equatable, Sendable {
    public var taskPID: Int32
    /// The exit code, or 128 + the signal number when a signal killed the task.
    public var exitCode: Int32
    /// The signal that killed the task, or 0.
    public var signal: Int32
    public var coreDumped: Bool
    /// RFC 3339 time, UTC, nanoseconds.
    public var finishedAt: String

    enum CodingKeys: String, CodingKey {
        case taskPID = "task_pid"
        case exitCode = "exit_code"
        case signal
        case coreDumped = "core_dumped"
        case finishedAt = "finished_at"
    }

    /// Reads `exit.json` from a state directory.
    public static func read(from directory: StateDirectory) throws(LaunchError) -> TaskExit {
        guard let text = LiveHost().readTextFile(atPath: directory.exitRecordPath) else {
            throw .system(.current("read the exit record", path: directory.exitRecordPath))
        }
        do {
            return try JSONDecoder().decode(TaskExit.self, from: Data(text.utf8))
        } catch {
            throw .system(SyscallError("parse the exit record", errno: EINVAL, path: directory.exitRecordPath))
        }
    }
}

/// What `task.json` records when a task starts: enough to find and recognise it later.
public struct TaskRecord: Codable, Equatable, Sendable {
    public var id: String
    public var command: [String]
    public var supervisorPID: Int32
    public var taskPID: Int32
    public var hostname: String
    public var startedAt: String

    enum CodingKeys: String, CodingKey {
        case id, command, hostname
        case supervisorPID = "supervisor_pid"
        case taskPID = "task_pid"
        case startedAt = "started_at"
    }

    public init(id: String, command: [String], supervisorPID: Int32, taskPID: Int32, hostname: String, startedAt: String) {
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
