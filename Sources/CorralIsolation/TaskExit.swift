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
    /// The OOM killer killed a process of the task's cgroup (the task itself, or one of its children).
    public var oomKilled: Bool
    /// The task's cgroup counters when it ended; nil when it ran without a cgroup.
    public var resources: FinalUsage?
    /// Bytes of the task's output its logs dropped while their file system was full (0 when none,
    /// and in records of older supervisors).
    public var logDroppedBytes: UInt64 = 0

    /// What the task's cgroup had used by the time the task ended. Counters the kernel does not
    /// expose are nil.
    public struct FinalUsage: Codable, Equatable, Sendable {
        public var memoryPeakBytes: UInt64?
        public var cpuTotalNanos: UInt64?
        public var cpuUserNanos: UInt64?
        public var cpuSystemNanos: UInt64?
        public var cpuThrottledPeriods: UInt64?
        public var cpuThrottledNanos: UInt64?

        enum CodingKeys: String, CodingKey {
            case memoryPeakBytes = "memory_peak_bytes"
            case cpuTotalNanos = "cpu_total_ns"
            case cpuUserNanos = "cpu_user_ns"
            case cpuSystemNanos = "cpu_system_ns"
            case cpuThrottledPeriods = "cpu_throttled_periods"
            case cpuThrottledNanos = "cpu_throttled_ns"
        }

        public init() {}
    }

    enum CodingKeys: String, CodingKey {
        case taskPID = "task_pid"
        case exitCode = "exit_code"
        case signal
        case coreDumped = "core_dumped"
        case finishedAt = "finished_at"
        case oomKilled = "oom_killed"
        case resources
        case logDroppedBytes = "log_dropped_bytes"
    }

    public init(taskPID: Int32, exitCode: Int32, signal: Int32, coreDumped: Bool, finishedAt: String,
                oomKilled: Bool = false, resources: FinalUsage? = nil) {
        self.taskPID = taskPID
        self.exitCode = exitCode
        self.signal = signal
        self.coreDumped = coreDumped
        self.finishedAt = finishedAt
        self.oomKilled = oomKilled
        self.resources = resources
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        taskPID = try container.decode(Int32.self, forKey: .taskPID)
        exitCode = try container.decode(Int32.self, forKey: .exitCode)
        signal = try container.decode(Int32.self, forKey: .signal)
        coreDumped = try container.decode(Bool.self, forKey: .coreDumped)
        finishedAt = try container.decode(String.self, forKey: .finishedAt)
        oomKilled = try container.decodeIfPresent(Bool.self, forKey: .oomKilled) ?? false
        resources = try container.decodeIfPresent(FinalUsage.self, forKey: .resources)
        logDroppedBytes = try container.decodeIfPresent(UInt64.self, forKey: .logDroppedBytes) ?? 0
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
