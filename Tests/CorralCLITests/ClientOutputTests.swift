import CorralAPI
import CorralClient
import CorralRunner
import Foundation
import Testing
@testable import CorralCLI

@Suite("client output formatting")
struct ClientOutputTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let now = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28 20:26:40 UTC

    @Test func tablesAlignColumnsTwoSpacesApartWithoutTrailingSpaces() {
        var table = TextTable(["ID", "Type", "Status"])
        table.append(["web", "service", "running"])
        table.append(["nightly-backup", "batch", ""])
        #expect(table.render() == """
            ID              Type     Status
            web             service  running
            nightly-backup  batch

            """)
        #expect(TextTable.keyValues([("ID", "web"), ("Client Status", "running")]) == """
            ID            = web
            Client Status = running

            """)
    }

    @Test func timesAreLocalAndOnlyAsLongAsNeeded() {
        let utc = Self.utc
        #expect(CompactTime.format(Self.now.addingTimeInterval(-3600), now: Self.now, timeZone: utc) == "19:26:40")
        #expect(CompactTime.format(Self.now.addingTimeInterval(-86400 * 30), now: Self.now, timeZone: utc) == "Apr 28 20:26:40")
        #expect(CompactTime.format(Self.now.addingTimeInterval(-86400 * 400), now: Self.now, timeZone: utc) == "2025-04-23 20:26:40")
        #expect(CompactTime.format(nil as Date?, now: Self.now, timeZone: utc) == "-")
        // Another zone moves the day too.
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        #expect(CompactTime.format(Self.now, now: Self.now, timeZone: tokyo) == "05:26:40")
    }

    static func detail(events: [String: [TaskEvent]], modifyIndex: UInt64 = 1) -> AllocDetail {
        let stub = AllocStub(id: "1a2b3c4d-5e6f", name: "web.api[0]", jobID: "web", taskGroup: "api", index: 0,
                             desiredStatus: .run, clientStatus: .running, clientDescription: "Tasks are running",
                             tasks: events.mapValues { _ in .running }, createTime: now, modifyIndex: modifyIndex)
        return AllocDetail(stub: stub, taskStates: events.mapValues { TaskState(state: .running, events: $0) },
                           resourceUsage: [:], resources: [:])
    }

    @Test func eventLinesNameTheTimeTheAllocationTheTaskAndTheEvent() {
        let event = TaskEvent.started(at: Self.now)
        let line = AgentEventLine(allocID: "1a2b3c4d-5e6f", allocName: "web.api[0]", task: "server", event: event)
        #expect(line.text(color: false, now: Self.now, timeZone: Self.utc)
                == "20:26:40  1a2b3c4d  server  Started" + String(repeating: " ", count: EventColumns.typeWidth - 7) + "  Task started by client\n")
        #expect(line.text(color: true, now: Self.now, timeZone: Self.utc).contains("\u{1B}[32mStarted\u{1B}[0m"))
        let json = line.json()
        #expect(json.hasSuffix("}\n"))
        let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["alloc_id"] as? String == "1a2b3c4d-5e6f")
        #expect(object?["type"] as? String == "Started")
        #expect(object?["task"] as? String == "server")
    }

    @Test func eachEventIsPrintedOnceAcrossUpdates() {
        let t = Self.now
        let received = TaskEvent.received(at: t), started = TaskEvent.started(at: t.addingTimeInterval(1))
        let terminated = TaskEvent(type: .terminated, time: t.addingTimeInterval(2), message: "Exit Code: 0")
        var printed: [String: TaskEvent] = [:]
        let first = AgentEventLine.newEvents(in: Self.detail(events: ["server": [received, started]]), printed: &printed)
        #expect(first.map(\.event.type) == [.received, .started])
        let again = AgentEventLine.newEvents(in: Self.detail(events: ["server": [received, started]]), printed: &printed)
        #expect(again.isEmpty)
        // The oldest event fell off the agent's window: what is new is still printed once.
        let later = AgentEventLine.newEvents(in: Self.detail(events: ["server": [started, terminated], "sidecar": [received]]),
                                             printed: &printed)
        #expect(later.map(\.event.type) == [.received, .terminated])
        #expect(later.map(\.task) == ["sidecar", "server"])
    }

    @Test func diagnosticsPrintTheLineAndACaretUnderTheColumn() {
        let source = "job \"web\" {\n  group \"api\" {\n    cuont = 2\n\tbad\n"
        let diagnostics = [
            APIDiagnostic(file: "web.hcl", line: 3, column: 5, message: "unknown attribute \"cuont\""),
            APIDiagnostic(file: "web.hcl", line: 4, column: 2, message: "tab", source: "\tbad"),
            APIDiagnostic(file: "web.hcl", line: 99, column: 1, message: "past the end"),
        ]
        #expect(APIDiagnosticPrinter.render(diagnostics, source: source) == """
            web.hcl:3:5: unknown attribute "cuont"
                    cuont = 2
                    ^
            web.hcl:4:2: tab
                \tbad
                \t^
            web.hcl:99:1: past the end

            """)
    }

    @Test func submissionSummaryNamesTheJobAndShortIDs() {
        let answer = JobSubmitResponse(jobID: "web", allocations: ["1a2b3c4d-aaaa", "5e6f7a8b-bbbb"], replaced: ["99999999-cccc"])
        #expect(JobRun.summary(answer) == "==> Submitted job web: allocations 1a2b3c4d 5e6f7a8b\n==> Replaced allocations 99999999\n")
    }

    @Test func jobAndAllocationTables() {
        let stub = JobStub(id: "web", name: "web", type: .service, status: "running", stopped: false, submitTime: Self.now,
                           summary: AllocCounts(running: 2, failed: 1))
        let rendered = JobStatus.render([stub], now: Self.now)
        #expect(rendered.hasPrefix("ID   Type     Status   Submitted  Pending  Running  Complete  Failed\n"))
        #expect(rendered.contains("web  service  running  "))
        let detail = Self.detail(events: ["server": [TaskEvent.started(at: Self.now)]])
        let status = AllocStatusCommand.render(detail, now: Self.now)
        #expect(status.contains("Client Status = running (Tasks are running)\n"))
        #expect(status.contains("Task \"server\" is \"running\"\n"))
        #expect(status.contains("Recent Events:\nTime      Type     Description\n"))
    }
}
