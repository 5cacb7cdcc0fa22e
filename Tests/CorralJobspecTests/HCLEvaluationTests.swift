import Foundation
import Testing
@testable import CorralJobspec

/// Parses and evaluates `text` (as `test.hcl`); the body, or the problems as `line:column message`.
/// Problems as `line:column message`.
struct Problems: Error { var lines: [String] }

func evaluate(_ text: String, inputs: JobVariableInputs = JobVariableInputs(), directory: String? = nil) -> Result<HCLBody, Problems> {
    var diagnostics = DiagnosticCollector()
    do {
        let body = HCLResolver.resolve(try HCLParser.parse(text, file: "test.hcl"), inputs: inputs, directory: directory,
                                       diagnostics: &diagnostics)
        guard diagnostics.isEmpty else { return .failure(Problems(lines: diagnostics.entries.map { "\(at($0.position)) \($0.message)" })) }
        return .success(body)
    } catch {
        return .failure(Problems(lines: error.diagnostics.map { "\(at($0.position)) \($0.message)" }))
    }
}

/// The value of attribute `a` once `text` is evaluated.
func value(_ text: String, inputs: JobVariableInputs = JobVariableInputs(), directory: String? = nil,
           sourceLocation: SourceLocation = #_sourceLocation) -> HCLValue? {
    switch evaluate(text, inputs: inputs, directory: directory) {
    case .success(let body):
        guard let attribute = body.attributes.first(where: { $0.name == "a" }) else {
            Issue.record("no attribute a in \(body)", sourceLocation: sourceLocation)
            return nil
        }
        return HCLValue(literal: attribute.value)
    case .failure(let problems):
        Issue.record("\(problems.lines)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The problems evaluating `text` gives.
func evaluationProblems(_ text: String, inputs: JobVariableInputs = JobVariableInputs(), directory: String? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    switch evaluate(text, inputs: inputs, directory: directory) {
    case .success(let body):
        Issue.record("expected problems, got \(body)", sourceLocation: sourceLocation)
        return []
    case .failure(let problems):
        return problems.lines
    }
}

/// The evaluation's allowance or its deadline (on a busy machine the deadline can come first) refused it.
func refusedAsTooCostly(_ message: String) -> Bool {
    message.contains("take too much to evaluate") || message.contains("s to evaluate")
}

@Suite("HCL2 evaluation: variables, locals, expressions, functions, dynamic blocks")
struct HCLEvaluationTests {
    @Test func operatorsFollowHCLsPrecedence() {
        #expect(value("a = 1 + 2 * 3") == .number(7))
        #expect(value("a = (1 + 2) * 3") == .number(9))
        #expect(value("a = 10 % 4 - -1") == .number(3))
        #expect(value("a = 7 / 2") == .number(3.5))
        #expect(value("a = 1 < 2 && 2 <= 2 || false") == .bool(true))
        #expect(value("a = !(1 == 1) ? \"x\" : \"y\"") == .string("y"))
        #expect(value("a = \"5\" + 1") == .number(6), "strings convert to numbers as HCL converts them")
        #expect(value("a = [1, \"a\"] == [1, \"a\"]") == .bool(true))
        #expect(value("a = false && 1 / 0 == 0") == .bool(false), "the right side is evaluated only when it decides")
        #expect(evaluationProblems("a = 1 / 0").first?.contains("division by zero") == true)
        #expect(evaluationProblems("a = \"x\" * 2").first?.hasPrefix("1:5 the string \"x\" is not a number") == true)
    }

    @Test func collectionsIndexesSplatsAndForExpressions() {
        let m = "m = { b = 2, a = 1 }\n"
        #expect(value("locals {\n \(m)}\na = [for k, v in local.m : \"${k}=${v}\"]") == .list([.string("a=1"), .string("b=2")]))
        #expect(value("a = [for i, x in [\"p\", \"q\"] : \"${i}${x}\" if i > 0]") == .list([.string("1q")]))
        #expect(value("a = {for x in [\"p\", \"q\"] : upper(x) => x}") == .object(["P": .string("p"), "Q": .string("q")]))
        #expect(value("a = {for x in [\"p\", \"pp\", \"q\"] : substr(x, 0, 1) => x...}")
                == .object(["p": .list([.string("p"), .string("pp")]), "q": .list([.string("q")])]))
        #expect(value("locals {\n s = [{n = 1}, {n = 2}]\n}\na = local.s[*].n") == .list([.number(1), .number(2)]))
        #expect(value("locals {\n s = [{n = 1}, {n = 2}]\n}\na = local.s.*.n") == .list([.number(1), .number(2)]))
        #expect(value("a = [10, 20, 30][1]") == .number(20))
        #expect(value("a = {x = {y = \"z\"}}.x.y") == .string("z"))
        #expect(value("a = {x = {y = \"z\"}}[\"x\"][\"y\"]") == .string("z"))
        #expect(evaluationProblems("a = [1][3]").first?.contains("outside the list (it has 1 elements)") == true)
        #expect(evaluationProblems("a = {for x in [1, 1] : x => x}").first?.contains("makes the key \"1\" twice") == true)
    }

    @Test func variablesTakeDefaultsThenEnvironmentFilesAndFlagsInThatOrder() {
        let job = """
            variable "image" {
              type    = string
              default = "from-default"
            }
            a = var.image

            """
        #expect(value(job) == .string("from-default"))
        #expect(value(job, inputs: JobVariableInputs(environment: ["image": "from-env"])) == .string("from-env"))
        let file = JobVariableInputs.File(name: "vars.hcl", text: "image = \"from-file\"\n")
        #expect(value(job, inputs: JobVariableInputs(environment: ["image": "from-env"], files: [file])) == .string("from-file"))
        #expect(value(job, inputs: JobVariableInputs(environment: ["image": "e"], files: [file], assignments: ["image=from-flag"]))
                == .string("from-flag"))
        #expect(value(job, inputs: JobVariableInputs(assignments: ["image=a=b"])) == .string("a=b"), "the first = splits")
    }

    @Test func variableTypesConvertAndRefuse() {
        let job = """
            variable "count" { type = number }
            variable "ports" {
              type    = list(number)
              default = ["80", 443]
            }
            variable "flags" { type = map(bool) }
            a = [var.count, var.ports, var.flags]

            """
        let inputs = JobVariableInputs(assignments: ["count=3", "flags={ debug = true, fast = \"false\" }"])
        #expect(value(job, inputs: inputs) == .list([.number(3), .list([.number(80), .number(443)]),
                                                     .object(["debug": .bool(true), "fast": .bool(false)])]))
        let wrong = evaluationProblems(job, inputs: JobVariableInputs(assignments: ["count=three", "flags={}"]))
        #expect(wrong.contains { $0.contains("-var count: \"three\" is not a number") }, "\(wrong)")
        let missing = evaluationProblems(job, inputs: JobVariableInputs(assignments: ["flags={}"]))
        #expect(missing == ["1:1 variable \"count\" has no value: give it a default, or set it with -var count=VALUE, a -var-file, "
                            + "or NOMAD_VAR_count"], "each use of the variable does not repeat it")
        let typo = evaluationProblems(job, inputs: JobVariableInputs(assignments: ["count=1", "flags={}", "prots=[1]"]))
        #expect(typo.contains { $0.contains("-var prots: there is no variable \"prots\" in the job file (did you mean \"ports\"?)") }, "\(typo)")
        #expect(evaluationProblems("variable \"x\" {\n type = list(strin)\n}\n").first?.contains("type: not a type") == true)
        #expect(evaluationProblems("variable \"x\" {\n default = 1\n}\nvariable \"x\" {}\n").first?.contains("declared twice") == true)
        #expect(evaluationProblems("a = var.nope\n").first == "1:5 there is no variable named \"nope\": declare it with a variable block")
    }

    @Test func validationBlocksRefuseBadValuesWithTheirMessage() {
        let job = """
            variable "replicas" {
              type    = number
              default = 1
              validation {
                condition     = var.replicas >= 1 && var.replicas <= 5
                error_message = "replicas is between 1 and 5."
              }
            }
            a = var.replicas

            """
        #expect(value(job, inputs: JobVariableInputs(assignments: ["replicas=5"])) == .number(5))
        #expect(evaluationProblems(job, inputs: JobVariableInputs(assignments: ["replicas=9"]))
                == ["5:21 variable \"replicas\": replicas is between 1 and 5."])
    }

    @Test func localsReferToVariablesAndEachOtherAndCyclesAreRefused() {
        let job = """
            variable "env" { default = "prod" }
            locals {
              name = "web-${local.suffix}"
            }
            locals {
              suffix = upper(var.env)
            }
            a = local.name

            """
        #expect(value(job) == .string("web-PROD"))
        let cycle = evaluationProblems("locals {\n  x = local.y\n  y = local.x\n}\n")
        #expect(cycle.contains { $0.contains("cycle: local.x -> local.y -> local.x") }, "\(cycle)")
        #expect(evaluationProblems("a = local.nope\n").first?.contains("no local value named \"nope\"") == true)
    }

    /// What the runner fills in when the task starts stays as written, in templates; beside it, what the
    /// file's variables say is evaluated.
    @Test func runtimeInterpolationStaysForTheRunner() {
        let job = """
            variable "port" { default = 8080 }
            a = "${NOMAD_ALLOC_DIR}/data:${var.port}:${attr.kernel.name}:${meta.rack}:${node.datacenter}:$${literal}"

            """
        #expect(value(job) == .string("${NOMAD_ALLOC_DIR}/data:8080:${attr.kernel.name}:${meta.rack}:${node.datacenter}:$${literal}"))
        #expect(value("a = <<EOF\nport ${1 + 1} at ${NOMAD_PORT_http}\nEOF\n") == .string("port 2 at ${NOMAD_PORT_http}\n"))
        // Outside a string such a name is a mistake, said plainly.
        #expect(evaluationProblems("a = attr.kernel.name\n").first?.contains("write it in a string") == true)
    }

    @Test func standardLibraryFunctions() {
        #expect(value("a = format(\"%s-%03d-%.2f-%t-%q-%5s|%-4s|%x\", \"a\", 7, 3.14159, true, \"q\", \"r\", \"l\", 255)")
                == .string("a-007-3.14-true-\"q\"-    r|l   |ff"))
        #expect(value("a = formatlist(\"%s:%d\", [\"a\", \"b\"], [1, 2])") == .list([.string("a:1"), .string("b:2")]))
        #expect(value("a = join(\",\", split(\"-\", \"x-y-z\"))") == .string("x,y,z"))
        #expect(value("a = [upper(\"a\"), lower(\"B\"), title(\"hello world\"), trimspace(\"  x \"), trimprefix(\"ab\", \"a\"), trimsuffix(\"ab\", \"b\")]")
                == .list([.string("A"), .string("b"), .string("Hello World"), .string("x"), .string("b"), .string("a")]))
        #expect(value("a = replace(\"a.b.c\", \".\", \"/\")") == .string("a/b/c"))
        #expect(value("a = merge({x = 1}, {y = 2}, {x = 3})") == .object(["x": .number(3), "y": .number(2)]))
        #expect(value("a = [lookup({x = 1}, \"x\", 0), lookup({x = 1}, \"y\", 0)]") == .list([.number(1), .number(0)]))
        #expect(value("a = [element([\"a\", \"b\"], 3), length([1, 2]), length(\"héllo\"), length({a = 1})]")
                == .list([.string("b"), .number(2), .number(5), .number(1)]))
        #expect(value("a = [keys({b = 1, a = 2}), values({b = 1, a = 2})]")
                == .list([.list([.string("a"), .string("b")]), .list([.number(2), .number(1)])]))
        #expect(value("a = [contains([1, 2], 2), coalesce(\"\", \"x\"), concat([1], [2, 3]), distinct([1, 1, 2]), flatten([[1], [2, [3]]])]")
                == .list([.bool(true), .string("x"), .list([.number(1), .number(2), .number(3)]), .list([.number(1), .number(2)]),
                          .list([.number(1), .number(2), .number(3)])]))
        #expect(value("a = [min(3, 1, 2), max(3, 1, 2), abs(-4), ceil(1.2), floor(1.8), pow(2, 10), parseint(\"ff\", 16)]")
                == .list([.number(1), .number(3), .number(4), .number(2), .number(1), .number(1024), .number(255)]))
        #expect(value("a = [tostring(1), tonumber(\"2\"), tobool(\"true\"), tolist(toset([\"a\", \"a\"])), range(3), range(1, 7, 2)]")
                == .list([.string("1"), .number(2), .bool(true), .list([.string("a")]),
                          .list([.number(0), .number(1), .number(2)]), .list([.number(1), .number(3), .number(5)])]))
        #expect(value("a = jsonencode({b = [1, \"x\"], a = null})") == .string("{\"a\":null,\"b\":[1,\"x\"]}"))
        #expect(value("a = jsondecode(\"{\\\"k\\\": [1, true]}\").k") == .list([.number(1), .bool(true)]))
        #expect(value("a = base64decode(base64encode(\"corral ✓\"))") == .string("corral ✓"))
        #expect(value("a = base64encode(\"ab\")") == .string("YWI="))
        #expect(value("a = [try(var.nope, \"fallback\"), can(var.nope), can(1)]") == .list([.string("fallback"), .bool(false), .bool(true)]))
        #expect(value("a = zipmap([\"a\", \"b\"], [1, 2])") == .object(["a": .number(1), "b": .number(2)]))
        #expect(value("a = max([3, 9, 2]...)") == .number(9))
        // RFC 4122's example of a name-based UUID (Python's uuid.uuid5(NAMESPACE_DNS, "python.org")).
        #expect(value("a = uuidv5(\"dns\", \"python.org\")") == .string("886313e1-3b8a-5372-9b90-0c9aee199e5d"))
        if case .string(let id)? = value("a = uuidv4()") { #expect(id.count == 36 && id[id.index(id.startIndex, offsetBy: 14)] == "4") }
        if case .string(let stamp)? = value("a = timestamp()") { #expect(stamp.hasSuffix("Z") && stamp.count == 20) }
        let unknown = evaluationProblems("a = uper(\"x\")\n")
        #expect(unknown == ["1:5 there is no function named \"uper\" (did you mean \"upper\"?)"])
        #expect(evaluationProblems("a = upper(\"x\", \"y\")\n").first?.contains("upper() takes 1 argument, got 2") == true)
    }

    @Test func fileFunctionsReadBesideTheJobFileOnlyWhereAllowed() throws {
        let directory = NSTemporaryDirectory() + "corral-hcl-eval-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "hello\n".write(toFile: directory + "/greeting.txt", atomically: true, encoding: .utf8)
        #expect(value("a = [file(\"greeting.txt\"), fileexists(\"greeting.txt\"), fileexists(\"nope\")]", directory: directory)
                == .list([.string("hello\n"), .bool(true), .bool(false)]))
        #expect(evaluationProblems("a = file(\"/\")\n", directory: directory).first?.contains("not a regular file") == true)
        // A job sent to the agent cannot make it read its host's files.
        #expect(evaluationProblems("a = file(\"/etc/hostname\")\n").first?.contains("which a job sent to the agent cannot do") == true)
        #expect(evaluationProblems("a = fileexists(\"/etc/hostname\")\n").first?.contains("cannot do") == true)
        #expect(evaluationProblems("a = pathexpand(\"~/x\")\n").first?.contains("cannot do") == true)
        if let home = ProcessInfo.processInfo.environment["HOME"] {
            #expect(value("a = pathexpand(\"~/x\")", directory: directory) == .string(home + "/x"))
        }
    }

    @Test func dynamicBlocksExpandPerElement() throws {
        let job = """
            variable "ports" { default = { http = 80, https = 443 } }
            group "g" {
              dynamic "port" {
                for_each = var.ports
                iterator = p
                labels   = [p.key]
                content {
                  static = p.value
                }
              }
            }

            """
        guard case .success(let body) = evaluate(job) else { Issue.record("\(evaluate(job))"); return }
        let ports = try #require(body.blocks.first?.body.blocks)
        #expect(ports.map { "\($0.type) \($0.labels.map(\.value)) \($0.body.attributes.map { HCLValue(literal: $0.value)! })" }
                == ["port [\"http\"] [CorralJobspec.HCLValue.number(80.0)]", "port [\"https\"] [CorralJobspec.HCLValue.number(443.0)]"])
        #expect(evaluationProblems("dynamic \"x\" {\n  for_each = 3\n  content {}\n}\n").first?.contains("for_each must be a list or a map") == true)
    }

    /// The attacks an outside review found, each answered quickly with an error (or the right value), never
    /// a crash, an hour of work or gigabytes: before the fixes they trapped, or ran for hours.
    @Test func reviewedAttacksAreRefusedQuickly() {
        let clock = ContinuousClock()
        let start = clock.now
        // An offset plus a length that overflows.
        #expect(value("a = substr(\"abc\", 1, 9223372036854774784)") == .string("bc"))
        // Values sharing their parts: each level is 1024 times the last.
        let shared = "locals {\n  a = range(1024)\n  b = [for x in local.a : local.a]\n  c = [for x in local.a : local.b]\n"
            + "  d = [for x in local.a : local.c]\n}\na = length(local.d)\n"
        #expect(evaluationProblems(shared).contains { refusedAsTooCostly($0) })
        // Strings made by functions before anything counted them.
        let megabyte = "locals {\n  mb = join(\"\", [for i in range(512) : format(\"%1024s\", \"a\")])\n}\n"
        #expect(evaluationProblems(megabyte + "a = [for i in range(1024) : formatlist(\"%1048575d\", range(4))]\n")
                .contains { $0.contains("MiB of strings") })
        let templated = evaluationProblems(megabyte + "a = [for i in range(1024) : \"x${local.mb}\"]\n")
        #expect(templated.contains { $0.contains("MiB of strings") }, "\(templated)")
        // One allowance for the whole file: a variables file's values do not each get their own.
        let expensive = (1...20).map { "a\($0) = length([for i in range(1024) : [for j in range(1024) : j]])" }.joined(separator: "\n")
        let file = JobVariableInputs.File(name: "costly.hcl", text: expensive + "\n")
        #expect(evaluationProblems("a = 1\n", inputs: JobVariableInputs(files: [file])).contains { refusedAsTooCostly($0) })
        // A dynamic block copies its content once per element: two nested ones multiply.
        let attributes = (1...200).map { "        x\($0) = \"\(String(repeating: "y", count: 100))\"" }.joined(separator: "\n")
        let dynamic = "locals { r = range(1024) }\ng {\n  dynamic \"a\" {\n    for_each = local.r\n    content {\n"
            + "      dynamic \"b\" {\n        for_each = local.r\n        content {\n\(attributes)\n        }\n      }\n    }\n  }\n}\n"
        #expect(!evaluationProblems(dynamic).isEmpty)
        // An unclosed sequence in a heredoc no longer makes every later one scan to the end.
        let heredoc = "a = <<EOF\n" + String(repeating: "${", count: 100_000) + "\nEOF\n"
        if case .string(let text)? = value(heredoc) { #expect(text.hasPrefix("${${")) }
        // Sets of many values in linear time.
        #expect(value("a = length(distinct(concat(range(1000), range(1000))))") == .number(1000))
        #expect(clock.now - start < .seconds(60), "took \(clock.now - start)")
    }

    /// No job file can make the evaluation run long or grow large.
    @Test func evaluationIsBounded() {
        #expect(evaluationProblems("a = range(100000)\n").first?.contains("range() makes at most 1024 numbers") == true)
        let nested = "a = [for x in range(1000) : [for y in range(1000) : [for z in range(1000) : z]]]\n"
        #expect(evaluationProblems(nested).first.map(refusedAsTooCostly) == true)
        let doubling = "locals {\n" + (1...40).map { "  s\($0) = \"${local.s\($0 - 1)}${local.s\($0 - 1)}\"" }.joined(separator: "\n")
            + "\n  s0 = \"x\"\n}\n"
        #expect(evaluationProblems(doubling).contains { $0.contains("longer than 1048576 bytes") })
        #expect(evaluationProblems("a = format(\"%99999999s\", \"x\")\n").first?.contains("too wide") == true)
        // Neither a long operator chain, a long traversal, templates inside templates nor locals inside
        // locals can nest the evaluation without bound (each would run the parse or the evaluation out of
        // stack): all are refused, none crashes.
        for deep in ["a = 1" + String(repeating: " + 1", count: 100_000), "a = x" + String(repeating: ".y", count: 100_000),
                     "a = " + String(repeating: "!", count: 100_000) + "true",
                     "a = " + String(repeating: "\"${", count: 5_000) + "1" + String(repeating: "}\"", count: 5_000)] {
            #expect(evaluationProblems(deep + "\n").first?.contains("nesting is too deep") == true, "\(deep.prefix(40))")
        }
        let chain = "locals {\n  l0 = " + String(repeating: "(", count: 90) + "1" + String(repeating: ")", count: 90) + "\n"
            + (1...99).map { "  l\($0) = " + String(repeating: "-(", count: 45) + "local.l\($0 - 1)" + String(repeating: ")", count: 45) }
                .joined(separator: "\n") + "\n}\n"
        #expect(evaluationProblems(chain).contains { $0.contains("nested more than 400 levels deep") })
        let nestedValue = "locals {\n  l0 = 1\n" + (1...70).map { "  l\($0) = [local.l\($0 - 1)]" }.joined(separator: "\n") + "\n}\n"
        #expect(evaluationProblems(nestedValue).contains { $0.contains("nested more than 64 levels deep") })
        let replaced = "locals {\n  k = join(\"\", [for i in range(1000) : \"kkkkkkkkkk\"])\n}\na = replace(local.k, \"k\", local.k)\n"
        #expect(evaluationProblems(replaced).first?.contains("longer than 1048576 bytes") == true)
    }
}
