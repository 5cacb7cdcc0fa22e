import CorralDriver
import CorralJobspec
import CorralRunner
import Testing

/// Every numeric field of a job file against whole classes of bad values (negative, zero where it
/// means nothing, fractions, beyond any range, beyond 64 bits, exponents): each is one error at the
/// value's line and column, naming the field and the value. None crashes, none is accepted.
@Suite("Jobspec numeric ranges")
struct JobspecNumericRangeTests {
    /// An HCL job with `line` written in the block `block` of the task (or the task itself, or the group).
    func job(_ line: String, in block: String) -> String {
        let task = block == "task" ? line : "\(block) {\n      \(line)\n    }"
        let group = block == "group" ? line : ""
        return """
        job "x" {
          group "g" {
            \(group)
            task "web" {
              driver = "exec"
              config { command = "/bin/true" }
              \(task)
            }
          }
        }
        """
    }

    static let huge = ["99999999999999999999", "-99999999999999999999", "1e300", "9223372036854775807", "-9223372036854775808"]

    static let cases: [(field: String, block: String, name: String, values: [String])] = [
        ("cpu", "resources", "resources.cpu", ["0", "-1", "1.5", "10000001"] + huge),
        ("memory", "resources", "resources.memory", ["0", "-1", "0.5", "1073741825"] + huge),
        ("memory_max", "resources", "resources.memory_max", ["0", "-2", "1073741825"] + huge),
        ("cores", "resources", "resources.cores", ["0", "-1", "65537"] + huge),
        ("max_files", "logs", "logs.max_files", ["0", "-1", "1001"] + huge),
        ("max_file_size", "logs", "logs.max_file_size", ["0", "-1", "1073741825"] + huge),
        ("attempts", "restart", "restart.attempts", ["-1"] + huge),
        ("count", "group", "count", ["-1", "10001"] + huge),
    ]

    @Test(arguments: cases.map(\.name))
    func everyBadNumberIsOneErrorAtItsValue(name: String) {
        let entry = Self.cases.first { $0.name == name }!
        for value in entry.values {
            let text = job("\(entry.field) = \(value)", in: entry.block)
            let found = diagnostics(text, format: .hcl)
            #expect(!found.isEmpty, "\(name) = \(value) accepted")
            let mine = found.filter { $0.message.hasPrefix(name) || $0.message.hasPrefix("restart.") && name.hasPrefix("restart") }
            #expect(mine.count >= 1, "\(name) = \(value): \(found.map(\.message))")
            for diagnostic in mine {
                #expect(diagnostic.position.line >= 3 && diagnostic.position.column > 1, "\(diagnostic)")
            }
        }
    }

    @Test(arguments: [("kill_timeout", "\"87601h\""), ("shutdown_delay", "\"9000000h\""), ("kill_timeout", "\"1e300h\""),
                      ("kill_timeout", "\"-5s\""), ("shutdown_delay", "\"99999999999999999999s\"")])
    func waitsBeyondAYearOrNegativeAreRefused(field: String, value: String) {
        let found = problems(job("\(field) = \(value)", in: "task"), format: .hcl)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains(field) == true, "\(found)")
    }

    @Test(arguments: ["4294967295", "2147483648", "-1", "0:4294967295", "nobody:-1", "+0", "99999999999999999999"])
    func userIdsOutOfRangeAreRefusedAtTheirValue(user: String) {
        let found = problems(job("user = \"\(user)\"", in: "task"), format: .hcl)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("7:14: user: \"\(user)\": the id ") == true, "\(found)")
        #expect(found.first?.hasSuffix("is out of range: expected 0 to 2147483647") == true, "\(found)")
    }

    @Test(arguments: ["nobody", "1000", "0:0", "2147483647", "app:2147483647", "root"])
    func validUsersPass(user: String) {
        #expect(decode(job("user = \"\(user)\"", in: "task"), format: .hcl) != nil)
    }
}
