import CorralAPI
import CorralRunner
import Foundation

/// One task event of an allocation the agent runs, as `corral job run` and `job stop` print it:
/// `10:00:01  1a2b3c4d  server  Started             Task started by client` (columns aligned by
/// `EventColumns`, the type colored on a terminal), or with `--json` one object per line.
struct AgentEventLine: Sendable {
    var allocID: String
    var allocName: String
    var task: String
    var event: TaskEvent

    func text(color: Bool, columns: EventColumns? = nil, now: Date = Date(), timeZone: TimeZone = .current) -> String {
        (columns ?? EventColumns(taskNames: [task])).line(
            time: CompactTime.format(event.time, now: now, timeZone: timeZone), before: [String(allocID.prefix(8))],
            task: task, type: event.type, color: color, message: event.message)
    }

    func json() -> String {
        var line: [String: JSONLineValue] = [
            "time": .string(EventPrinter.timestamp(event.time, fractional: true)), "alloc_id": .string(allocID),
            "alloc_name": .string(allocName), "task": .string(task), "type": .string(event.type.rawValue),
            "message": .string(event.message),
        ]
        if event.type == .terminated {
            if let code = event.exitCode { line["exit_code"] = .int(Int(code)) }
            if let signal = event.signal { line["signal"] = .int(Int(signal)) }
            line["oom_killed"] = .bool(event.oomKilled)
        }
        if event.failsTask { line["fails_task"] = .bool(true) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(line) else { return "" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The events of `detail` not printed yet (after `printed`, each task's last printed event),
    /// oldest first across tasks; `printed` moves on. An event that fell off the agent's window of
    /// recent events before it was seen is lost; the ones after it are still printed once.
    static func newEvents(in detail: AllocDetail, printed: inout [String: TaskEvent]) -> [AgentEventLine] {
        var lines: [AgentEventLine] = []
        for (task, state) in detail.taskStates {
            let events = state.events
            var start = 0
            if let last = printed[task] {
                if let index = events.lastIndex(of: last) {
                    start = index + 1
                } else {
                    start = events.firstIndex { $0.time > last.time } ?? events.count
                }
            }
            for event in events[start...] {
                lines.append(AgentEventLine(allocID: detail.stub.id, allocName: detail.stub.name, task: task, event: event))
            }
            if let newest = events.last { printed[task] = newest }
        }
        return lines.sorted { ($0.event.time, $0.task) < ($1.event.time, $1.task) }
    }
}
