import CorralJobspec
import Testing

@Suite("Jobspec JSON parser")
struct JobspecJSONParserTests {
    func parse(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> HCLExpression? {
        do throws(JobspecError) {
            return try JSONSyntaxParser.parse(text, file: "t.json")
        } catch {
            Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// `line:column: message` of the one error.
    func failure(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do throws(JobspecError) {
            let value = try JSONSyntaxParser.parse(text, file: "t.json")
            Issue.record("expected an error, got \(value)", sourceLocation: sourceLocation)
            return ""
        } catch {
            #expect(error.diagnostics.count == 1, sourceLocation: sourceLocation)
            let diagnostic = error.diagnostics[0]
            #expect(diagnostic.file == "t.json", sourceLocation: sourceLocation)
            return "\(diagnostic.position.line):\(diagnostic.position.column): \(diagnostic.message)"
        }
    }

    /// The value without positions, for comparing shapes.
    indirect enum Plain: Equatable {
        case string(String), number(Double, String), bool(Bool), null, list([Plain]), object([String]), members([Plain])

        init(_ expression: HCLExpression) {
            switch expression.kind {
            case .string(let text): self = .string(text)
            case .number(let value, let text): self = .number(value, text)
            case .bool(let flag): self = .bool(flag)
            case .null: self = .null
            case .list(let elements): self = .list(elements.map(Plain.init))
            case .object(let items): self = .object(items.map(\.key))
            case .unevaluated: self = .null
            }
        }
    }

    @Test("scalars: strings with escapes, numbers with their text, literals")
    func scalars() throws {
        let value = try #require(parse(#"["a\"b\\c\/d", "\b\f\n\r\t", "\u00e9\u20AC", "\ud83d\ude00", "é€😀", 0, -1, 1.5, 1e3, -0.5E-2, 10000000000000000000000, true, false, null]"#))
        #expect(Plain(value) == .list([
            .string("a\"b\\c/d"), .string("\u{8}\u{C}\n\r\t"), .string("é€"), .string("😀"), .string("é€😀"),
            .number(0, "0"), .number(-1, "-1"), .number(1.5, "1.5"), .number(1000, "1e3"), .number(-0.005, "-0.5E-2"),
            .number(1e22, "10000000000000000000000"), .bool(true), .bool(false), .null,
        ]))
    }

    @Test("objects keep members in order, duplicates included, with key and value ranges")
    func objects() throws {
        let text = """
        {
          "b": 1,
          "a": {"x": []},
          "b": "again"
        }
        """
        let value = try #require(parse(text))
        guard case .object(let items) = value.kind else { Issue.record("not an object"); return }
        #expect(items.map(\.key) == ["b", "a", "b"])
        #expect(items[0].keyRange.start == SourcePosition(line: 2, column: 3, offset: 4))
        #expect(items[0].keyRange.end == SourcePosition(line: 2, column: 6, offset: 7))
        #expect(items[0].value.range.start == SourcePosition(line: 2, column: 8, offset: 9))
        #expect(items[0].value.range.end == SourcePosition(line: 2, column: 9, offset: 10))
        #expect(items[1].value.range.start.description == "3:8")
        #expect(items[1].value.range.end.description == "3:17")
        #expect(items[2].value.range.start.description == "4:8")
        #expect(value.range.start == SourcePosition(line: 1, column: 1, offset: 0))
        #expect(value.range.end.description == "5:2")
        #expect(Plain(items[1].value) == .object(["x"]))
    }

    @Test("columns count Unicode scalars, offsets UTF-8 bytes")
    func unicodeColumns() throws {
        let value = try #require(parse(#"{"é€": "😀", "k": 1}"#))
        guard case .object(let items) = value.kind else { Issue.record("not an object"); return }
        // { " é € " : sp " 😀 " , sp " k
        #expect(items[0].value.range.start == SourcePosition(line: 1, column: 8, offset: 10))
        #expect(items[1].keyRange.start == SourcePosition(line: 1, column: 13, offset: 18))
        #expect(failure(#"{"é": 1 x}"#) == #"1:9: expected "," or "}""#)
    }

    @Test("whitespace, CRLF line ends and a byte order mark")
    func whitespace() throws {
        let value = try #require(parse("\u{FEFF} \r\n\t[\r\n  true\r\n]\r\n"))
        guard case .list(let elements) = value.kind else { Issue.record("not a list"); return }
        #expect(elements[0].range.start.line == 3)
        #expect(elements[0].range.start.column == 3)
        #expect(value.range.start.description == "2:2")
    }

    @Test("errors with their line and column", arguments: [
        ("{\n  \"job\": {\n    \"name\": \"b\" \"c\": 1\n  }\n}", #"3:17: expected "," or "}""#),
        ("{\n  \"a\": 1,\n  \"b\": [1, 2] 3\n}", #"3:15: expected "," or "}""#),
        (#"{"a": 1 "b": 2}"#, #"1:9: expected "," or "}""#),
        (#"[1 2]"#, #"1:4: expected "," or "]""#),
        (#"{"a": 1,}"#, #"1:9: expected a string key (JSON allows no trailing comma)"#),
        (#"[1,]"#, #"1:4: expected a value (JSON allows no trailing comma)"#),
        (#"{a: 1}"#, #"1:2: expected a string key or "}""#),
        (#"{"a": 1, 2}"#, #"1:10: expected a string key"#),
        (#"{"a" 1}"#, #"1:6: expected ":""#),
        (#"{"a":}"#, #"1:6: expected a value"#),
        (#"[01]"#, #"1:2: a number has no leading zeros"#),
        (#"[1.]"#, #"1:4: expected a digit after ".""#),
        (#"[.5]"#, #"1:2: expected a value"#),
        (#"[1e]"#, #"1:4: expected a digit in the exponent"#),
        (#"[-]"#, #"1:3: expected a digit"#),
        (#"[+1]"#, #"1:2: expected a value"#),
        (#"[1e999]"#, #"1:2: number 1e999 is out of range"#),
        ("[\"abc", #"1:2: unterminated string"#),
        ("[\"ab\ncd\"]", #"1:2: unterminated string (a line break in a string is written \n)"#),
        ("[\"a\tb\"]", #"1:4: control character in a string (write it as an escape like \t or \u0001)"#),
        (#"["a\qb"]"#, #"1:4: invalid escape (JSON has \" \\ \/ \b \f \n \r \t and \uXXXX)"#),
        (#"["\u12"]"#, #"1:3: invalid \u escape: expected four hex digits"#),
        (#"["\ud800"]"#, #"1:3: invalid \u escape: a high surrogate without a low one after it"#),
        (#"["\ud800\u0041"]"#, #"1:3: invalid \u escape: a high surrogate without a low one after it"#),
        (#"["\udc00"]"#, #"1:3: invalid \u escape: a low surrogate without a high one before it"#),
        (#"True"#, #"1:1: unknown word "True" (JSON has true, false and null; strings are in double quotes)"#),
        (#"[nul]"#, #"1:2: unknown word "nul" (JSON has true, false and null; strings are in double quotes)"#),
        (#"['a']"#, #"1:2: expected a value (JSON strings are in double quotes)"#),
        ("// a job\n{}", #"1:1: expected a value (JSON has no comments)"#),
        (#"{} {}"#, #"1:4: unexpected text after the JSON value"#),
        ("", #"1:1: expected a value"#),
        ("  \n ", #"2:2: expected a value"#),
        ("{\"a\": [1,\n", #"2:1: expected a value"#),
        ("{\"a\": 1", #"1:8: expected "," or "}""#),
    ])
    func errors(input: String, expected: String) {
        #expect(failure(input) == expected)
    }

    @Test("the error carries its source line for the caret")
    func errorSourceLine() {
        do throws(JobspecError) {
            _ = try JSONSyntaxParser.parse("{\n  \"a\": 1 \"b\"\n}", file: "t.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == """
            t.json:2:10: expected "," or "}"
                  "a": 1 "b"
                         ^
            """)
        }
    }

    @Test("nesting is limited, so deep input cannot exhaust the stack")
    func depth() {
        let limit = JSONSyntaxParser.maximumDepth
        #expect(parse(String(repeating: "[", count: limit) + String(repeating: "]", count: limit)) != nil)
        #expect(parse(String(repeating: "{\"a\":", count: limit) + "1" + String(repeating: "}", count: limit)) != nil)
        #expect(failure(String(repeating: "[", count: limit + 1)) == "1:\(limit + 1): nested deeper than \(limit) levels")
        #expect(failure(String(repeating: "[", count: 200_000)) == "1:\(limit + 1): nested deeper than \(limit) levels")
    }

    @Test("mangled input never crashes: it parses or fails with a position inside the text")
    func mangled() {
        let seed = #"{"job": {"a": {"group": {"g": {"count": 1.5e2, "task": {"t": {"env": {"K": "\u00e9\n"}, "x": [true, null, -0]}}}}}}}"#
        let alphabet = Array(#"{}[]:,"\\ -0123456789.eEtrufalsn/ué€"#.unicodeScalars) + ["\n", "\t", "\u{0}"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for _ in 0..<1000 {
            var scalars = Array(seed.unicodeScalars)
            for _ in 0..<(1 + next(4)) {
                let index = next(scalars.count)
                switch next(3) {
                case 0: scalars.remove(at: index)
                case 1: scalars.insert(alphabet[next(alphabet.count)], at: index)
                default: scalars[index] = alphabet[next(alphabet.count)]
                }
                if scalars.isEmpty { scalars = ["x"] }
            }
            let text = String(String.UnicodeScalarView(scalars))
            do throws(JobspecError) {
                _ = try JSONSyntaxParser.parse(text, file: "m.json")
                _ = try? Jobspec.parse(text, file: "m.json", format: .json, drivers: Drivers.all)
            } catch {
                let position = error.diagnostics[0].position
                #expect(position.line >= 1 && position.column >= 1 && position.offset <= text.utf8.count, "\(text)")
            }
        }
    }
}
