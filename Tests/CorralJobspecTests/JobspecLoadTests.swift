import CorralJobspec
import CorralRunner
import Foundation
import Testing

@Suite("Jobspec load")
struct JobspecLoadTests {
    /// A file with `bytes` in a fresh directory, removed after `body`.
    func withFile(named name: String, _ bytes: [UInt8], _ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jobspec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try body(path)
    }

    func loadProblems(_ path: String) -> [String] {
        do throws(JobspecError) {
            _ = try Jobspec.load(path: path, drivers: Drivers.all)
            Issue.record("expected errors")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("JSON by the first character when the name says nothing; the path names the file in messages")
    func sniffed() throws {
        let text = #"{"job": {"j": {"group": {"g": {"task": {"t": {"driver": "mock", "user": [1]}}}}}}}"#
        try withFile(named: "job", Array(text.utf8)) { path in
            #expect(loadProblems(path) == ["\(path):1:73: user: expected a string, got a list\n    \(text)\n    "
                + String(repeating: " ", count: 72) + "^"])
        }
        try withFile(named: "job.JSON", Array(text.replacingOccurrences(of: #", "user": [1]"#, with: "").utf8)) { path in
            let job = try Jobspec.load(path: path)
            #expect(job.id == "j")
        }
    }

    @Test("a file that cannot be read: the path and the reason")
    func unreadable() {
        #expect(loadProblems("/nonexistent/job.hcl") == ["/nonexistent/job.hcl: cannot open the job file: No such file or directory"])
        #expect(loadProblems("/") == ["/: cannot read the job file: Is a directory"])
    }

    @Test("bytes that are not UTF-8: where the first bad one is")
    func notUTF8() throws {
        try withFile(named: "bad.json", Array("{\n  \"é\": \"".utf8) + [0xFF] + Array("\"}".utf8)) { path in
            #expect(loadProblems(path) == ["\(path):2:9: the file is not UTF-8 text (byte 0xFF)\n      \"é\": \"\n            ^"])
        }
    }
}
