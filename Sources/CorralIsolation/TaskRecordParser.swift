import CorralJSON

extension TaskRecord {
    /// Decodes a `task.json`: the same members and rules as the `Decodable` conformance, read by hand
    /// (see CorralJSON). Unknown members are ignored; the members added after the first records
    /// (start times, caller, limits) may be missing or null.
    package static func parse(_ text: String) throws(TaskRecordError) -> TaskRecord {
        let document: JSONValue
        do { document = try JSONValue.parse(text) } catch { throw TaskRecordError(description: error.description) }
        guard case .object = document else { throw TaskRecordError(description: "not a JSON object") }
        func required<T>(_ key: String, _ read: (JSONValue) -> T?) throws(TaskRecordError) -> T {
            guard let value = document[key] else { throw TaskRecordError(description: "\(key) is missing") }
            guard let typed = read(value) else { throw TaskRecordError(description: "\(key) has the wrong type") }
            return typed
        }
        func optional<T>(_ value: JSONValue?, _ key: String, _ read: (JSONValue) -> T?) throws(TaskRecordError) -> T? {
            guard let value, value != .null else { return nil }
            guard let typed = read(value) else { throw TaskRecordError(description: "\(key) has the wrong type") }
            return typed
        }
        let strings = { (value: JSONValue) -> [String]? in
            guard case .array(let elements) = value else { return nil }
            let strings = elements.compactMap(\.stringValue)
            return strings.count == elements.count ? strings : nil
        }
        var record = TaskRecord(id: try required("id") { $0.stringValue },
                                command: try required("command", strings),
                                supervisorPID: try required("supervisor_pid") { $0.integer(Int32.self) },
                                taskPID: try required("task_pid") { $0.integer(Int32.self) },
                                hostname: try required("hostname") { $0.stringValue },
                                startedAt: try required("started_at") { $0.stringValue },
                                cgroups: try required("cgroups", strings))
        record.callerPID = try optional(document["caller_pid"], "caller_pid") { $0.integer(Int32.self) }
        record.callerStartTime = try optional(document["caller_start_time"], "caller_start_time") { $0.integer(UInt64.self) }
        record.supervisorStartTime = try optional(document["supervisor_start_time"], "supervisor_start_time") {
            $0.integer(UInt64.self)
        }
        record.taskStartTime = try optional(document["task_start_time"], "task_start_time") { $0.integer(UInt64.self) }
        if let limits = try optional(document["limits"], "limits", { value -> JSONValue? in
            if case .object = value { return value } else { return nil }
        }) {
            record.limits = Limits(
                memoryBytes: try optional(limits["memory_bytes"], "limits.memory_bytes") { $0.integer(UInt64.self) },
                cpuQuotaMicros: try optional(limits["cpu_quota_us"], "limits.cpu_quota_us") { $0.integer(UInt64.self) },
                cpuPeriodMicros: try optional(limits["cpu_period_us"], "limits.cpu_period_us") { $0.integer(UInt64.self) },
                pids: try optional(limits["pids"], "limits.pids") { $0.integer(Int.self) })
        }
        return record
    }
}

/// Why a task record could not be read.
package struct TaskRecordError: Error, CustomStringConvertible {
    package var description: String
}
