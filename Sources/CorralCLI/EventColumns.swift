import CorralRunner

/// Lines up the columns of the event lines `corral run`, `job run` and `job stop` print: the task
/// column as wide as the longest task name the command can print, the type column as wide as the
/// longest event type, so the messages start in one column. Padding goes outside the color codes.
struct EventColumns: Sendable, Equatable {
    var taskWidth: Int

    static let typeWidth = TaskEventType.allCases.map(\.rawValue.count).max() ?? 0

    /// The widths for task names `names` (a name longer than 40 characters does not widen the column).
    init(taskNames names: some Sequence<String>) {
        taskWidth = min(40, names.map(\.count).max() ?? 0)
    }

    /// `corral run`'s names (`group[index].task`) of every task of `job`.
    init(job: Job) {
        self.init(taskNames: job.groups.flatMap { group in
            (0..<group.count).flatMap { index in group.tasks.map { "\(group.name)[\(index)].\($0.name)" } }
        })
    }

    /// `time  task  type  message`, and any columns in between (`before`, after the time).
    func line(time: String, before: [String] = [], task: String, type: TaskEventType, color: Bool, message: String) -> String {
        let typeText = color ? EventPrinter.colored(type) : type.rawValue
        let typePadding = String(repeating: " ", count: max(0, Self.typeWidth - type.rawValue.count))
        let fields = [time] + before + [Self.pad(task, taskWidth), typeText + typePadding, message]
        var text = fields.joined(separator: "  ")
        while text.hasSuffix(" ") { text.removeLast() }
        return text + "\n"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
