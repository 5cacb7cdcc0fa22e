import Foundation
import Testing
@testable import CorralJobspec

/// Whatever the input, the parser ends, without trapping, with a body whose ranges are all inside
/// the text or with one diagnostic whose position is. Inputs: mutated examples, random token soups,
/// random bytes; and generated valid files, printed and parsed back to the same values.
@Suite(.serialized) struct HCLPropertyTests {
    /// Mutations of the examples to try (`HCL_PROPERTY_RUNS` in the environment overrides it; the
    /// fuzzer, `scripts/fuzz-hcl`, is the place for millions).
    static let mutationRuns = ProcessInfo.processInfo.environment["HCL_PROPERTY_RUNS"].flatMap(Int.init) ?? 5_000

    /// Pieces of HCL that make interesting mutations and soups.
    static let vocabulary: [String] = [
        "{", "}", "[", "]", "(", ")", "=", ":", ",", ".", "-", "+", "*", "/", "%", "!", "?", "<", ">",
        "==", "&&", "||", "=>", "...", "\"", "\\", "\\u", "\\U0001F600", "\\q", "${", "%{", "$${", "%%{",
        "<<EOT\n", "<<-EOT\n", "EOT\n", "  EOT", "<<", "<<-", "#", "//", "/*", "*/", "\n", "\r\n", " ", "\t",
        "job", "group", "task", "\"web\"", "x", "-x", "_y", "for", "in", "true", "false", "null", "var.x",
        "0", "1", "-1", "1.5", "1e3", "1e", "1e999", "15s", "é", "😀", "日本", "\u{0}", "\u{A0}", "\u{FEFF}",
        "'", ";", "@", "~", "$", "a = 1\n", "a = \"s\"\n", "b {}\n", "[1, 2]", "{ k = v }", "\"${x}\"",
    ]

    /// A small reproducible random number generator (SplitMix64).
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Parses `text` and checks the outcome: whether it parsed, or what is wrong (a range outside the
    /// text, a diagnostic without a proper position). Pure, so it can run off the test's task.
    static func check(_ text: String) -> (parsed: Bool, problem: String?) {
        let table = PositionTable(text)
        do {
            let body = try HCLParser.parse(text, file: "fuzz.hcl")
            if !table.isConsistent(body) { return (true, "ranges outside or inconsistent for: \(text.debugDescription)") }
            if body.range.end.offset != text.utf8.count { return (true, "the body does not end at the text's end: \(text.debugDescription)") }
            return (true, nil)
        } catch {
            if error.diagnostics.count != 1 { return (false, "\(error.diagnostics.count) diagnostics for: \(text.debugDescription)") }
            for diagnostic in error.diagnostics {
                if !table.isConsistent(diagnostic.position) || diagnostic.message.isEmpty || diagnostic.file != "fuzz.hcl" {
                    return (false, "bad diagnostic \(diagnostic.position) (\(diagnostic.message)) for: \(text.debugDescription)")
                }
            }
            return (false, nil)
        }
    }

    static func mutate(_ bytes: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let index = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes.remove(at: index)
            case 1 where !bytes.isEmpty:
                bytes[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
            case 2:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: index)
            case 3:
                let piece = vocabulary.randomElement(using: &random)!
                bytes.insert(contentsOf: Array(piece.utf8), at: index)
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, index + Int.random(in: 1...64, using: &random))
                bytes.removeSubrange(index..<end)
            default:
                let end = min(bytes.count, index + Int.random(in: 0...32, using: &random))
                bytes.insert(contentsOf: Array(bytes[index..<end]), at: min(bytes.count, end))
            }
        }
        return bytes
    }

    @Test(.timeLimit(.minutes(5))) func mutatedExamplesNeverCrash() async throws {
        let examples = try HCLExampleTests.exampleFiles().map { Array(try Data(contentsOf: $0)) }
        let runs = Self.mutationRuns
        let (parsed, problems, elapsed) = await offCooperativePool { () -> (Int, [String], Duration) in
            var random = SplitMix64(state: 0xC0_88A1)
            let clock = ContinuousClock()
            let start = clock.now
            var parsed = 0
            var problems: [String] = []
            for _ in 0..<runs {
                let mutated = Self.mutate(examples.randomElement(using: &random)!, using: &random)
                let outcome = Self.check(String(decoding: mutated, as: UTF8.self))
                if outcome.parsed { parsed += 1 }
                if let problem = outcome.problem { problems.append(problem) }
            }
            return (parsed, problems, clock.now - start)
        }
        #expect(problems.isEmpty, "\(problems.count) problems, e.g. \(problems.prefix(3))")
        // Some mutations (in comments, strings, whitespace) still parse; most do not.
        #expect(parsed > 0 && parsed < runs)
        #expect(elapsed < .seconds(240), "\(runs) mutations took \(elapsed)")
    }

    @Test(.timeLimit(.minutes(2))) func tokenSoupsNeverCrash() async {
        let problems = await offCooperativePool { () -> [String] in
            var random = SplitMix64(state: 42)
            var problems: [String] = []
            for _ in 0..<3_000 {
                var text = ""
                for _ in 0..<Int.random(in: 0...60, using: &random) {
                    text += Self.vocabulary.randomElement(using: &random)!
                    if Bool.random(using: &random) { text += " " }
                }
                if let problem = Self.check(text).problem { problems.append(problem) }
            }
            return problems
        }
        #expect(problems.isEmpty, "\(problems.count) problems, e.g. \(problems.prefix(3))")
    }

    @Test(.timeLimit(.minutes(2))) func randomBytesNeverCrash() async {
        let problems = await offCooperativePool { () -> [String] in
            var random = SplitMix64(state: 7)
            var problems: [String] = []
            for _ in 0..<2_000 {
                let count = Int.random(in: 0...200, using: &random)
                let bytes = (0..<count).map { _ in
                    // Mostly ASCII, so that something gets past the first token now and then.
                    Bool.random(using: &random) ? UInt8.random(in: 0x20...0x7E, using: &random) : UInt8.random(in: 0...255, using: &random)
                }
                if let problem = Self.check(String(decoding: bytes, as: UTF8.self)).problem { problems.append(problem) }
            }
            return problems
        }
        #expect(problems.isEmpty, "\(problems.count) problems, e.g. \(problems.prefix(3))")
    }

    @Test(.timeLimit(.minutes(1))) func largeInputsTakeLinearTime() async throws {
        let (counts, elapsed) = await offCooperativePool { () -> ([Int?], Duration) in
            let clock = ContinuousClock()
            let start = clock.now
            let longList = "a = [" + String(repeating: "1, \"two\", { k = true },", count: 20_000) + "]\n"
            let manyLines = String(repeating: "block \"x\" {\n  a = \"v\"\n  b = [1, 2]\n}\n", count: 10_000)
            let longHeredoc = "a = <<-EOT\n" + String(repeating: "    some text ${x}\n", count: 50_000) + "  EOT\n"
            let longString = "a = \"" + String(repeating: "x\\n${y}", count: 50_000) + "\"\n"
            let longComment = "/*" + String(repeating: "*", count: 500_000) + "*/"
            let counts: [Int?] = [
                (try? hcl(longList)).map { $0.attributes[0].value.list.count },
                (try? hcl(manyLines)).map { $0.blocks.count },
                (try? hcl(longHeredoc)).map { $0.attributes.count },
                (try? hcl(longString)).map { $0.attributes.count },
                (try? hcl(longComment)).map { $0.items.count },
            ]
            return (counts, clock.now - start)
        }
        #expect(counts == [60_000, 10_000, 1, 1, 0])
        #expect(elapsed < .seconds(30))
    }

    // MARK: Generated files round-trip

    /// A random literal value, `depth` levels deep at most.
    static func randomValue(depth: Int, using random: inout SplitMix64) -> HCLExpression.Kind {
        switch Int.random(in: 0..<(depth > 0 ? 7 : 5), using: &random) {
        case 0: return .string(randomString(using: &random))
        case 1:
            let integer = Int.random(in: -1_000_000...1_000_000, using: &random)
            return .number(Double(integer), text: String(integer))
        case 2: return .bool(Bool.random(using: &random))
        case 3: return .null
        case 4:
            let value = Double(Int.random(in: 0...99_999, using: &random)) / 100
            return .number(value, text: "\(value)")
        case 5:
            return .list((0..<Int.random(in: 0...4, using: &random)).map { _ in
                HCLExpression(randomValue(depth: depth - 1, using: &random), range: placeholder)
            })
        default:
            var keys = Set<String>()
            var items: [HCLObjectItem] = []
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                let key = randomName(using: &random)
                guard keys.insert(key).inserted else { continue }
                items.append(HCLObjectItem(key: key, keyRange: placeholder,
                                           value: HCLExpression(randomValue(depth: depth - 1, using: &random), range: placeholder)))
            }
            return .object(items)
        }
    }

    static let placeholder = SourceRange(start: SourcePosition(line: 0, column: 0, offset: 0),
                                         end: SourcePosition(line: 0, column: 0, offset: 0))

    static func randomName(using random: inout SplitMix64) -> String {
        let first = Array("abcxyz_")
        let rest = Array("abcxyz_-019")
        var name = String(first.randomElement(using: &random)!)
        for _ in 0..<Int.random(in: 0...6, using: &random) { name.append(rest.randomElement(using: &random)!) }
        return ["true", "false", "null", "for"].contains(name) ? name + "_" : name
    }

    static func randomString(using random: inout SplitMix64) -> String {
        // "\u{1}" stands for a template sequence; no "{", which after "$" or "%" would start one.
        let characters: [Character] = Array("ab z09\"\\\n\t\r}$%é日😀#/*\u{1}\u{1}")
        var text = ""
        for _ in 0..<Int.random(in: 0...12, using: &random) {
            let character = characters.randomElement(using: &random)!
            if character == "\u{1}" {
                // "$" or "%" right before "${" would make "$${", an escape: keep them apart.
                if text.hasSuffix("$") || text.hasSuffix("%") { text += " " }
                text += ["${x}", "$${y}", "%{ if a }", "${attr.f[\"}\"]}"].randomElement(using: &random)!
            } else {
                text.append(character)
            }
        }
        return text
    }

    /// HCL for a value; strings escaped (template sequences are kept verbatim by the parser).
    static func render(_ value: HCLExpression.Kind, indent: String = "") -> String {
        switch value {
        case .string(let text):
            var out = "\""
            var scalars = Substring(text)
            while let character = scalars.first {
                // Template sequences and their escapes go through as written.
                if let sequence = ["${x}", "$${y}", "%{ if a }", "${attr.f[\"}\"]}"].first(where: { scalars.hasPrefix($0) }) {
                    out += sequence
                    scalars = scalars.dropFirst(sequence.count)
                    continue
                }
                switch character {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case "\r": out += "\\r"
                case "\r\n": out += "\\r\\n"  // one Character when "\r" and "\n" meet
                case "😀": out += "\\U0001F600"
                case "é": out += "\\u00e9"
                default: out.append(character)
                }
                scalars = scalars.dropFirst()
            }
            return out + "\""
        case .number(_, let text): return text
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .list(let elements):
            return "[" + elements.map { render($0.kind, indent: indent) }.joined(separator: ", ") + "]"
        case .object(let items):
            if items.isEmpty { return "{}" }
            let inner = indent + "  "
            return "{\n" + items.map { "\(inner)\($0.key) = \(render($0.value.kind, indent: inner))\n" }.joined() + indent + "}"
        case .unevaluated: return "null"
        }
    }

    /// A value with every range replaced, to compare what was parsed with what was generated.
    static func strip(_ kind: HCLExpression.Kind) -> HCLExpression.Kind {
        switch kind {
        case .list(let elements): .list(elements.map { HCLExpression(strip($0.kind), range: placeholder) })
        case .object(let items): .object(items.map {
            HCLObjectItem(key: $0.key, keyRange: placeholder, value: HCLExpression(strip($0.value.kind), range: placeholder))
        })
        default: kind
        }
    }

    @Test func generatedFilesParseBackToTheirValues() throws {
        var random = SplitMix64(state: 2024)
        for _ in 0..<500 {
            var names = Set<String>()
            var expected: [(String, HCLExpression.Kind)] = []
            var text = "# generated\nouter \"label\" {\n"
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let name = Self.randomName(using: &random)
                guard names.insert(name).inserted else { continue }
                let value = Self.randomValue(depth: 3, using: &random)
                expected.append((name, value))
                text += "  \(name) = \(Self.render(value, indent: "  "))\n"
            }
            text += "}\n"
            // Evaluated as a job file is: the template sequences here name only what the runner fills in,
            // so they stay as written.
            let body: HCLBody
            switch evaluate(text) {
            case .success(let evaluated): body = evaluated
            case .failure(let problems):
                Issue.record("\(problems.lines)\nin:\n\(text)")
                continue
            }
            let attributes = try #require(body.blocks.first).body.attributes
            #expect(attributes.map(\.name) == expected.map(\.0), "\(text)")
            #expect(attributes.map { Self.strip($0.value.kind) } == expected.map(\.1), "\(text)")
            #expect(PositionTable(text).isConsistent(body))
        }
    }
}
