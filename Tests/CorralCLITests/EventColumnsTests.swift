import CorralRunner
import Foundation
import Logging
import Testing
@testable import CorralCLI

/// Event lines line up whatever the task names and event types, with or without color; the agent's
/// JSON log lines are one valid object each.
@Suite("event columns and JSON log lines")
struct EventColumnsTests {
    @Test func messagesStartInOneColumnForEveryTaskAndType() {
        let columns = EventColumns(taskNames: ["web[0].server", "web[1].log-shipper", "db[0].pg"])
        for color in [false, true] {
            var starts: Set<Int> = []
            for task in ["web[0].server", "web[1].log-shipper", "db[0].pg"] {
                for type in TaskEventType.allCases {
                    let line = columns.line(time: "10:00:01", task: task, type: type, color: color, message: "MSG")
                    // Column positions as a terminal shows them: without the color codes.
                    let visible = line.replacingOccurrences(of: "\u{1B}\\[[0-9]*m", with: "", options: .regularExpression)
                    starts.insert(visible.distance(from: visible.startIndex, to: visible.range(of: "MSG")!.lowerBound))
                    #expect(visible.hasSuffix("MSG\n"))
                }
            }
            #expect(starts.count == 1, "color \(color): \(starts)")
        }
    }

    @Test func aJobsTaskNamesSetTheWidthAndAnOverlongNameDoesNotWidenPastForty() {
        let job = Job(id: "j", groups: [TaskGroup(name: "web", count: 2, tasks: [TaskSpec(name: "server", driver: "mock")])])
        #expect(EventColumns(job: job).taskWidth == "web[1].server".count)
        #expect(EventColumns(taskNames: [String(repeating: "x", count: 100)]).taskWidth == 40)
        let line = EventColumns(taskNames: ["a"]).line(time: "t", task: String(repeating: "x", count: 50), type: .started,
                                                      color: false, message: "m")
        #expect(line.contains(String(repeating: "x", count: 50) + "  Started"))
    }

    @Test func jsonLogLinesAreOneObjectEach() throws {
        let line = JSONLogHandler.line(time: Date(timeIntervalSince1970: 1_765_000_000), level: .warning, label: "corral.agent",
                                       message: "a \"quoted\"\nmessage", source: "CorralAgent",
                                       metadata: ["alloc": "3f2a", "count": .stringConvertible(3)])
        #expect(line.hasSuffix("}\n") && line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["label"] as? String == "corral.agent")
        #expect(object["message"] as? String == "a \"quoted\"\nmessage")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(object["metadata"] as? [String: String] == ["alloc": "3f2a", "count": "3"])
    }
}
