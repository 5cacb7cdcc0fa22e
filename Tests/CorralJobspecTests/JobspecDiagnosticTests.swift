import CorralJobspec
import Testing

@Suite("Jobspec diagnostics")
struct JobspecDiagnosticTests {
    @Test("file:line:column: message, the source line and a caret under the column")
    func caret() {
        let diagnostic = JobspecDiagnostic(file: "web.hcl", position: SourcePosition(line: 12, column: 7, offset: 200),
                                           message: "unknown attribute \"memry\" in resources (did you mean \"memory\"?)",
                                           sourceLine: "      memry = 64")
        #expect(diagnostic.description == """
        web.hcl:12:7: unknown attribute "memry" in resources (did you mean "memory"?)
                  memry = 64
                  ^
        """)
    }

    @Test("tabs before the column are kept so the caret lines up")
    func tabs() {
        let diagnostic = JobspecDiagnostic(file: "a.hcl", position: SourcePosition(line: 1, column: 4, offset: 3),
                                           message: "m", sourceLine: "\t\tx y")
        #expect(diagnostic.description == "a.hcl:1:4: m\n    \t\tx y\n    \t\t ^")
    }

    @Test("no source line: the first line only; line 0: no position at all")
    func withoutSource() {
        #expect(JobspecDiagnostic(file: "a.json", position: SourcePosition(line: 3, column: 1, offset: 9), message: "m")
            .description == "a.json:3:1: m")
        #expect(JobspecDiagnostic(file: "a.json", position: SourcePosition(line: 0, column: 0, offset: 0), message: "m")
            .description == "a.json: m")
    }

    @Test("a long line is shown around the column")
    func longLine() {
        let line = String(repeating: "a", count: 100) + "X" + String(repeating: "b", count: 100)
        let diagnostic = JobspecDiagnostic(file: "min.json", position: SourcePosition(line: 1, column: 101, offset: 100),
                                           message: "m", sourceLine: line)
        let shown = "..." + String(repeating: "a", count: 60) + "X" + String(repeating: "b", count: 59) + "..."
        #expect(diagnostic.description == "min.json:1:101: m\n    \(shown)\n    \(String(repeating: " ", count: 63))^")
    }

    @Test("a JobspecError shows each problem in turn")
    func errorDescription() {
        let error = JobspecError([
            JobspecDiagnostic(file: "j.json", position: SourcePosition(line: 1, column: 2, offset: 1), message: "one",
                              sourceLine: "{x"),
            JobspecDiagnostic(file: "j.json", position: SourcePosition(line: 2, column: 1, offset: 3), message: "two"),
        ])
        #expect(error.description == "j.json:1:2: one\n    {x\n     ^\nj.json:2:1: two")
    }

    @Test("decoding problems carry the file name and their source line")
    func fromDecoder() {
        let text = jsonJob(task: """
                  "driver": "exec",
                  "config": {"command": "/bin/true"},
                  "resources": {"memry": 64}
        """)
        let found = diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.description == "job.json:10:25: unknown attribute \"memry\" in resources (did you mean \"memory\"?)\n"
            + "              \"resources\": {\"memry\": 64}\n"
            + String(repeating: " ", count: 4 + 24) + "^")
    }
}
