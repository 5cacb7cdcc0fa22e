#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CorralDriver

/// Something that happened to a task, with its time, a message for people (`message`, Nomad's
/// `DisplayMessage`) and the facts for scripts (`details`, with Nomad's key names: `exit_code`,
/// `signal`, `oom_killed`, `start_delay` in ns, `restart_reason`, `kill_timeout` in ns, `kill_error`,
/// `setup_error`, `driver_error`, `validation_error`, `failed_sibling`, `hook`…).
package struct TaskEvent: Codable, Equatable, Sendable {
    package var type: TaskEventType
    package var time: Date
    package var message: String
    package var details: [String: String]
    /// The task is marked failed by this event.
    package var failsTask: Bool

    package init(type: TaskEventType, time: Date, message: String, details: [String: String] = [:],
                failsTask: Bool = false) {
        self.type = type
        self.time = time
        self.message = message
        self.details = details
        self.failsTask = failsTask
    }

    enum CodingKeys: String, CodingKey {
        case type, time, message, details
        case failsTask = "fails_task"
    }

    package var exitCode: Int32? { details["exit_code"].flatMap { Int32($0) } }
    package var signal: Int32? { details["signal"].flatMap { Int32($0) } }
    package var oomKilled: Bool { details["oom_killed"] == "true" }
    package var restartDelay: Duration? { details["start_delay"].flatMap { Int64($0) }.map { .nanoseconds($0) } }
    package var killTimeout: Duration? { details["kill_timeout"].flatMap { Int64($0) }.map { .nanoseconds($0) } }
    package var reason: String? { details["restart_reason"] ?? details["kill_reason"] }
}

/// The events the runner emits, each with Nomad's display message.
extension TaskEvent {
    package static func received(at time: Date) -> TaskEvent {
        TaskEvent(type: .received, time: time, message: "Task received by client")
    }

    package static func setup(at time: Date, _ message: String = "Building Task Directory") -> TaskEvent {
        TaskEvent(type: .setup, time: time, message: message)
    }

    package static func started(at time: Date) -> TaskEvent {
        TaskEvent(type: .started, time: time, message: "Task started by client")
    }

    /// `Exit Code: 1, Signal: 9, OOM Killed: true, Exit Message: "..."`.
    package static func terminated(at time: Date, _ result: ExitResult) -> TaskEvent {
        var parts = ["Exit Code: \(result.exitCode)"]
        var details = ["exit_code": String(result.exitCode), "signal": String(result.signal),
                       "oom_killed": String(result.oomKilled)]
        if result.signal != 0 { parts.append("Signal: \(result.signal)") }
        if result.oomKilled { parts.append("OOM Killed: true") }
        if let error = result.error {
            parts.append("Exit Message: \"\(error)\"")
            details["exit_message"] = error
        }
        return TaskEvent(type: .terminated, time: time, message: parts.joined(separator: ", "), details: details)
    }

    /// `Task restarting in 15.3s`, prefixed by the reason unless it is the ordinary one.
    package static func restarting(at time: Date, delay: Duration, reason: String) -> TaskEvent {
        let within = "Task restarting in \(GoDuration.format(delay))"
        let message = reason.isEmpty || reason == RestartReason.withinPolicy ? within : "\(reason) - \(within)"
        return TaskEvent(type: .restarting, time: time, message: message,
                         details: ["start_delay": String(GoDuration.nanoseconds(delay)), "restart_reason": reason])
    }

    package static func notRestarting(at time: Date, reason: String) -> TaskEvent {
        TaskEvent(type: .notRestarting, time: time, message: reason.isEmpty ? "Task exceeded restart policy" : reason,
                  details: ["restart_reason": reason], failsTask: true)
    }

    /// `Sent interrupt. Waiting 5s before force killing`, or the kill's reason (as Nomad shows it).
    package static func killing(at time: Date, timeout: Duration, reason: String? = nil) -> TaskEvent {
        var details = ["kill_timeout": String(GoDuration.nanoseconds(timeout))]
        let message: String
        if let reason, !reason.isEmpty {
            details["kill_reason"] = reason
            message = reason
        } else {
            message = timeout > .zero ? "Sent interrupt. Waiting \(GoDuration.format(timeout)) before force killing" : "Sent interrupt"
        }
        return TaskEvent(type: .killing, time: time, message: message, details: details)
    }

    /// The kill failed for good: the task is marked dead and failed (its processes may remain).
    package static func killFailed(at time: Date, attempts: Int, error: String) -> TaskEvent {
        TaskEvent(type: .killing, time: time, message: "Killing task failed after \(attempts) attempts: \(error)",
                  details: ["kill_error": error], failsTask: true)
    }

    /// A restart's stop failed: the run goes on, the task is not failed.
    package static func restartStopFailed(at time: Date, attempts: Int, error: String) -> TaskEvent {
        TaskEvent(type: .killing, time: time, message: "Stopping the task for a restart failed after \(attempts) attempts: \(error)",
                  details: ["kill_error": error])
    }

    /// `Waiting for shutdown_delay of 5s before killing the task.` (Nomad's wording).
    package static func waitingForShutdownDelay(at time: Date, delay: Duration) -> TaskEvent {
        TaskEvent(type: .waitingShutdownDelay, time: time,
                  message: "Waiting for shutdown_delay of \(GoDuration.format(delay)) before killing the task.",
                  details: ["shutdown_delay": String(GoDuration.nanoseconds(delay))])
    }

    package static func killed(at time: Date) -> TaskEvent {
        TaskEvent(type: .killed, time: time, message: "Task successfully killed")
    }

    package static func driverFailure(at time: Date, error: String) -> TaskEvent {
        TaskEvent(type: .driverFailure, time: time, message: error.isEmpty ? "Failed to start task" : error,
                  details: ["driver_error": error])
    }

    /// `prestart hook "task_dir" failed: <error>`.
    package static func setupFailure(at time: Date, hook: String, error: String) -> TaskEvent {
        TaskEvent(type: .setupFailure, time: time, message: "prestart hook \"\(hook)\" failed: \(error)",
                  details: ["setup_error": error, "hook": hook])
    }

    package static func failedValidation(at time: Date, error: String) -> TaskEvent {
        TaskEvent(type: .failedValidation, time: time, message: error.isEmpty ? "Validation of task failed" : error,
                  details: ["validation_error": error], failsTask: true)
    }

    package static func signaling(at time: Date, signal: String, reason: String = "") -> TaskEvent {
        let message = reason.isEmpty ? "Task being sent signal \(signal)" : "Task being sent signal \(signal): \(reason)"
        return TaskEvent(type: .signaling, time: time, message: message,
                         details: ["task_signal": signal, "task_signal_reason": reason])
    }

    package static func restartSignaled(at time: Date, reason: String = "") -> TaskEvent {
        TaskEvent(type: .restartSignaled, time: time, message: reason.isEmpty ? "Task signaled to restart" : reason,
                  details: ["restart_reason": reason])
    }

    /// The kernel's OOM killer ended the task (reported after `Terminated`).
    package static func oomKilled(at time: Date, memoryLimitBytes: UInt64?) -> TaskEvent {
        let limit = memoryLimitBytes.map { " (memory limit \($0 / (1 << 20)) MiB)" } ?? ""
        return TaskEvent(type: .oomKilled, time: time, message: "Task killed by the OOM killer\(limit)",
                         details: ["memory_limit": memoryLimitBytes.map(String.init) ?? ""])
    }

    package static func siblingFailed(at time: Date, sibling: String) -> TaskEvent {
        TaskEvent(type: .siblingFailed, time: time, message: "Task's sibling \"\(sibling)\" failed",
                  details: ["failed_sibling": sibling])
    }

    package static func leaderDead(at time: Date) -> TaskEvent {
        TaskEvent(type: .leaderDead, time: time, message: "Leader Task in Group dead")
    }

    /// The logs dropped `bytes` of output while their file system was full; a marker line in the log
    /// shows where.
    package static func logOutputDropped(at time: Date, bytes: UInt64) -> TaskEvent {
        TaskEvent(type: .logOutputDropped, time: time,
                  message: "\(bytes) bytes of output were dropped from the task's logs while their file system was full",
                  details: ["dropped_bytes": String(bytes)])
    }

    /// A write to the state store failed (the state shown is the runner's, not yet on disk).
    package static func statePersistFailed(at time: Date, error: String) -> TaskEvent {
        TaskEvent(type: .statePersistFailed, time: time, message: "Cannot persist the task's state (retrying): \(error)",
                  details: ["persist_error": error])
    }

    package static func hookWarning(at time: Date, hook: String, message: String) -> TaskEvent {
        TaskEvent(type: .hookWarning, time: time, message: message, details: ["hook": hook])
    }
}
