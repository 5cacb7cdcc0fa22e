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
            throw .record(path: directory.exitRecordPath, reason: "not an exit record: \(error)")
        }
    }
}
