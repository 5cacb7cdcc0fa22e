import ArgumentParser
import CorralIsolation
import CorralResourceTypes
import Foundation

/// `corral ps [--all] [--json]`: the tasks `corral isolate` started on this host, from their state
/// directories; those whose `corral isolate` is gone (killed, its terminal closed) included.
struct IsolatePs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "List the tasks of corral isolate on this host.",
        discussion: """
            One row per state directory under /run/corral/isolate. State: running; exited N; killed by \
            SIGNAL; gone (the supervisor died without recording an exit: it was killed, and the task \
            with it); unknown (the directory cannot be read as a task: the reason follows). A pid counts \
            as the task's supervisor only while the process holding it started when the record says.
            Without --all only the tasks that may be running are listed (running and unknown).
            Exit status: 0; 125 when the state directories cannot be read.
            """)

    @OptionGroup var root: IsolateStateRoot

    @Flag(help: "Also list the tasks that have ended (exited, killed, gone).")
    var all = false

    @Flag(help: "Print a JSON array: id, command, pid, supervisor_pid, started_at, state, exit_code, signal, limits.")
    var json = false

    func run() throws {
        let tasks = try IsolateTasks.list(root: root.path).filter { all || $0.state.mayBeRunning }
        if json { try AgentCall.printJSON(tasks.map(Row.init)) } else { Output.write(Self.render(tasks)) }
    }

    static func render(_ tasks: [IsolateTask], now: Date = Date(), timeZone: TimeZone = .current) -> String {
        guard !tasks.isEmpty else { return "No tasks\n" }
        var table = TextTable(["ID", "Command", "PID", "Started", "State", "Limits"])
        for task in tasks {
            guard let record = task.record else {
                table.append([printable(task.id), "-", "-", "-", printable(task.state.text), "-"])
                continue
            }
            let start = started(of: record).map { CompactTime.format($0, now: now, timeZone: timeZone) } ?? record.startedAt
            table.append([printable(task.id), command(record.command), String(record.taskPID), printable(start),
                          printable(task.state.text), limits(record.limits)])
        }
        return table.render()
    }

    /// The most of a command a row shows.
    static let commandWidth = 40

    /// The command line, cut to `commandWidth` characters.
    static func command(_ arguments: [String]) -> String {
        let line = printable(arguments.joined(separator: " "))
        return line.count <= commandWidth ? line : String(line.prefix(commandWidth - 1)) + "…"
    }

    /// `memory 64 MiB, cpus 0.5, pids 2048`; `none` for a cgroup without limits, `-` without a cgroup.
    static func limits(_ limits: TaskRecord.Limits?) -> String {
        guard let limits else { return "-" }
        var parts: [String] = []
        if let bytes = limits.memoryBytes { parts.append("memory " + ByteCount.describe(bytes)) }
        if let cpus = limits.cpus { parts.append("cpus " + number(cpus)) }
        if let pids = limits.pids { parts.append("pids \(pids)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// `0.5`, `2`, `0.333`: at most three decimals.
    static func number(_ value: Double) -> String {
        // A record is not trusted to hold sane numbers: nothing here may overflow.
        guard value.isFinite, value >= 0, value < 1e12 else { return String(value) }
        let thousandths = Int((value * 1000).rounded())
        let whole = thousandths / 1000, fraction = thousandths % 1000
        guard fraction != 0 else { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// The record's start (RFC 3339 UTC, nanoseconds) to the second.
    static func started(of record: TaskRecord) -> Date? {
        try? Date.ISO8601FormatStyle().parse(String(record.startedAt.prefix(19)) + "Z")
    }

    /// Control characters (a terminal's escapes among them) shown as `?`.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }

    /// One task in `ps --json` (every key always present, null when unknown).
    struct Row: Encodable {
        var task: IsolateTask

        init(_ task: IsolateTask) { self.task = task }

        enum CodingKeys: String, CodingKey {
            case id, command, pid, state, signal, limits, reason
            case supervisorPID = "supervisor_pid"
            case startedAt = "started_at"
            case exitCode = "exit_code"
            case stateDir = "state_dir"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            let record = task.record
            try container.encode(task.id, forKey: .id)
            try container.encode(record?.command, forKey: .command)
            try container.encode(record?.taskPID, forKey: .pid)
            try container.encode(record?.supervisorPID, forKey: .supervisorPID)
            try container.encode(record?.startedAt, forKey: .startedAt)
            try container.encode(task.state.name, forKey: .state)
            try container.encode(task.exit?.exitCode, forKey: .exitCode)
            try container.encode(task.exit.flatMap { $0.signal == 0 ? nil : $0.signal }, forKey: .signal)
            try container.encode(record?.limits.map(LimitsRow.init), forKey: .limits)
            if case .unknown(let reason) = task.state { try container.encode(reason, forKey: .reason) }
            try container.encode(task.path, forKey: .stateDir)
        }
    }

    /// A task's limits in `ps --json`: memory in bytes, CPUs' worth of time, pids.
    struct LimitsRow: Encodable {
        var memoryBytes: UInt64?
        var cpus: Double?
        var pids: Int?

        init(_ limits: TaskRecord.Limits) {
            memoryBytes = limits.memoryBytes
            cpus = limits.cpus
            pids = limits.pids
        }

        enum CodingKeys: String, CodingKey {
            case cpus, pids
            case memoryBytes = "memory_bytes"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(memoryBytes, forKey: .memoryBytes)
            try container.encode(cpus, forKey: .cpus)
            try container.encode(pids, forKey: .pids)
        }
    }
}
