import CorralRunner
import Foundation
import Synchronization

/// Prints task events (and task output) for `corral run`: one line per event,
/// `10:00:01  web[0].server  Started             Task started by client` (the time as every human
/// output of corral writes it, `CompactTime`; columns aligned by `EventColumns`), colored on a
/// terminal; or, with `--json`, one JSON object per event (RFC 3339 UTC times). Lines from concurrent
/// tasks never interleave.
final class EventPrinter: Sendable {
    enum Mode: Sendable { case text(color: Bool), json }

    private let mode: Mode
    private let columns: EventColumns
    private let lock = Mutex(())

    init(mode: Mode, columns: EventColumns = EventColumns(taskNames: [String]())) {
        self.mode = mode
        self.columns = columns
    }

    /// `group[index].task`, how a task of an allocation is named in the output.
    static func taskName(_ allocation: Allocation, task: String) -> String {
        "\(allocation.groupName)[\(allocation.index)].\(task)"
    }

    func event(_ event: TaskEvent, allocation: Allocation, task: String) {
        switch mode {
        case .text(let color):
            let line = columns.line(time: CompactTime.format(event.time), task: Self.taskName(allocation, task: task),
                                    type: event.type, color: color, message: event.message)
            write(line, to: FileHandle.standardOutput)
        case .json:
            var line: [String: JSONLineValue] = [
                "time": .string(Self.timestamp(event.time, fractional: true)), "alloc_id": .string(allocation.id),
                "group": .string(allocation.groupName), "index": .int(allocation.index), "task": .string(task),
                "type": .string(event.type.rawValue), "message": .string(event.message),
            ]
            if event.type == .terminated {
                if let code = event.exitCode { line["exit_code"] = .int(Int(code)) }
                if let signal = event.signal { line["signal"] = .int(Int(signal)) }
                line["oom_killed"] = .bool(event.oomKilled)
            }
            if event.type == .restarting, let delay = event.restartDelay {
                line["restart_delay_ms"] = .int(Int(GoDuration.nanoseconds(delay) / 1_000_000))
            }
            if event.failsTask { line["fails_task"] = .bool(true) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(line) else { return }
            write(String(decoding: data, as: UTF8.self) + "\n", to: FileHandle.standardOutput)
        }
    }

    /// A line the task wrote (text mode only: with `--json`, stdout carries events alone).
    func output(_ line: String, allocation: Allocation, task: String, stream: LogStream) {
        guard case .text(let color) = mode else { return }
        let name = Self.taskName(allocation, task: task)
        let prefix = color ? "\u{1B}[2m\(name) |\u{1B}[0m" : "\(name) |"
        write("\(prefix) \(line)\n", to: stream == .stdout ? FileHandle.standardOutput : FileHandle.standardError)
    }

    /// A line of corral's own (the summary, signals received): to stderr, so stdout stays events.
    func note(_ text: String) {
        write("corral: \(text)\n", to: FileHandle.standardError)
    }

    private func write(_ text: String, to handle: FileHandle) {
        lock.withLock { _ in try? handle.write(contentsOf: Data(text.utf8)) }
    }

    static func timestamp(_ date: Date, fractional: Bool = false) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: fractional))
    }

    static func colored(_ type: TaskEventType) -> String {
        let code: String
        switch type {
        case .started, .received, .setup: code = "32"
        case .terminated, .killed: code = "36"
        case .restarting, .killing, .waitingShutdownDelay, .signaling, .restartSignaled, .hookWarning, .leaderDead, .siblingFailed,
             .logOutputDropped, .statePersistFailed: code = "33"
        case .notRestarting, .driverFailure, .setupFailure, .failedValidation, .oomKilled: code = "31"
        }
        return "\u{1B}[\(code)m\(type.rawValue)\u{1B}[0m"
    }
}

/// A task's output stream.
enum LogStream: String, Sendable, CaseIterable { case stdout, stderr }

/// The values of a JSON event line.
enum JSONLineValue: Encodable {
    case string(String)
    case int(Int)
    case bool(Bool)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}
