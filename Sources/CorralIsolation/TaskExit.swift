#if canImport(Glibc)
import Glibc
#endif
import CorralJSON

/// How a task ended, as its supervisor recorded it in `exit.json`.
package struct TaskExit: Codable, Equatable, Sendable {
    package var taskPID: Int32
    /// The exit code, or 128 + the signal number when a signal killed the task.
    package var exitCode: Int32
    /// The signal that killed the task, or 0.
    package var signal: Int32
    package var coreDumped: Bool
    /// RFC 3339 time, UTC, nanoseconds.
    package var finishedAt: String
    /// The OOM killer killed a process of the task's cgroup (the task itself, or one of its children).
    package var oomKilled: Bool
    /// The task's cgroup counters when it ended; nil when it ran without a cgroup.
    package var resources: FinalUsage?
    /// Bytes of the task's output its logs dropped while their file system was full (0 when none,
    /// and in records of older supervisors).
    package var logDroppedBytes: UInt64 = 0

    /// What the task's cgroup had used by the time the task ended. Counters the kernel does not
    /// expose are nil.
    package struct FinalUsage: Codable, Equatable, Sendable {
        package var memoryPeakBytes: UInt64?
        package var cpuTotalNanos: UInt64?
        package var cpuUserNanos: UInt64?
        package var cpuSystemNanos: UInt64?
        package var cpuThrottledPeriods: UInt64?
        package var cpuThrottledNanos: UInt64?

        enum CodingKeys: String, CodingKey {
            case memoryPeakBytes = "memory_peak_bytes"
            case cpuTotalNanos = "cpu_total_ns"
            case cpuUserNanos = "cpu_user_ns"
            case cpuSystemNanos = "cpu_system_ns"
            case cpuThrottledPeriods = "cpu_throttled_periods"
            case cpuThrottledNanos = "cpu_throttled_ns"
        }

        package init() {}
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

    package init(taskPID: Int32, exitCode: Int32, signal: Int32, coreDumped: Bool, finishedAt: String,
                oomKilled: Bool = false, resources: FinalUsage? = nil) {
        self.taskPID = taskPID
        self.exitCode = exitCode
        self.signal = signal
        self.coreDumped = coreDumped
        self.finishedAt = finishedAt
        self.oomKilled = oomKilled
        self.resources = resources
    }

    package init(from decoder: any Decoder) throws {
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
    package static func read(from directory: StateDirectory) throws(LaunchError) -> TaskExit {
        guard let text = LiveHost().readTextFile(atPath: directory.exitRecordPath) else {
            throw .system(.current("read the exit record", path: directory.exitRecordPath))
        }
        do {
            return try parse(text)
        } catch {
            throw .record(path: directory.exitRecordPath, reason: "not an exit record: \(error)")
        }
    }

    /// Decodes an exit record (the supervisor's `exit.json`): the same fields and defaults as the
    /// `Decodable` conformance, read by hand (see CorralJSON). Unknown members are ignored.
    package static func parse(_ text: String) throws(ExitRecordError) -> TaskExit {
        let document: JSONValue
        do { document = try JSONValue.parse(text) } catch { throw ExitRecordError(description: error.description) }
        guard case .object = document else { throw ExitRecordError(description: "not a JSON object") }
        func required<T>(_ key: String, _ read: (JSONValue) -> T?) throws(ExitRecordError) -> T {
            guard let value = document[key] else { throw ExitRecordError(description: "\(key) is missing") }
            guard let typed = read(value) else { throw ExitRecordError(description: "\(key) has the wrong type") }
            return typed
        }
        func optional<T>(_ value: JSONValue?, _ key: String, _ read: (JSONValue) -> T?) throws(ExitRecordError) -> T? {
            guard let value, value != .null else { return nil }
            guard let typed = read(value) else { throw ExitRecordError(description: "\(key) has the wrong type") }
            return typed
        }
        var exit = TaskExit(taskPID: try required("task_pid") { $0.integer(Int32.self) },
                            exitCode: try required("exit_code") { $0.integer(Int32.self) },
                            signal: try required("signal") { $0.integer(Int32.self) },
                            coreDumped: try required("core_dumped") { $0.boolValue },
                            finishedAt: try required("finished_at") { $0.stringValue })
        exit.oomKilled = try optional(document["oom_killed"], "oom_killed") { $0.boolValue } ?? false
        exit.logDroppedBytes = try optional(document["log_dropped_bytes"], "log_dropped_bytes") { $0.integer(UInt64.self) } ?? 0
        if let resources = try optional(document["resources"], "resources", { value -> JSONValue? in
            if case .object = value { return value } else { return nil }
        }) {
            var usage = FinalUsage()
            let counter = { (key: String) throws(ExitRecordError) -> UInt64? in
                try optional(resources[key], "resources.\(key)") { $0.integer(UInt64.self) }
            }
            usage.memoryPeakBytes = try counter("memory_peak_bytes")
            usage.cpuTotalNanos = try counter("cpu_total_ns")
            usage.cpuUserNanos = try counter("cpu_user_ns")
            usage.cpuSystemNanos = try counter("cpu_system_ns")
            usage.cpuThrottledPeriods = try counter("cpu_throttled_periods")
            usage.cpuThrottledNanos = try counter("cpu_throttled_ns")
            exit.resources = usage
        }
        return exit
    }
}

extension TaskExit {
    /// Whether an exit.json says `"oom_killed":true`, as the supervisor spells it
    /// (`Sources/CExitRecord/exit_record.c`; `ExitRecordMirrorTests` holds the two together). A plain
    /// byte scan: the generic string searches cost more in start-up (protocol conformance lookups)
    /// than the scan, and most runs have nothing to report.
    package static func recordsOOMKill(_ record: String) -> Bool {
        let text = Array(record.utf8), key = Array("\"oom_killed\":true".utf8)
        guard text.count >= key.count else { return false }
        for start in 0...(text.count - key.count) where text[start] == key[0] {
            if text[start..<start + key.count].elementsEqual(key) { return true }
        }
        return false
    }
}

/// Why an exit record could not be read.
package struct ExitRecordError: Error, CustomStringConvertible {
    package var description: String
}
