import Testing
@testable import CorralJobspec

/// Every syntax error: its message and its line and column.
@Suite struct HCLErrorTests {
    @Test func unterminatedThings() {
        expectHCLError("a = \"abc", at: 1, 5, "unterminated string: no closing quote before the end of the file")
        expectHCLError("a = \"abc\nb = 1\n", at: 1, 5, "a quoted string cannot span lines")
        expectHCLError("a = \"abc\\\nb = 1\n", at: 1, 5, "unterminated string")
        expectHCLError("a = \"abc\\", at: 1, 5, "unterminated string")
        expectHCLError("a = 1\nb = <<EOT\nx\nEOT x\n", at: 2, 5, "unterminated heredoc: no line \"EOT\" closes this \"<<EOT\"")
        expectHCLError("a = <<-EOT\n", at: 1, 5, "unterminated heredoc")
        expectHCLError("a = 1\n  /* x\n*\n", at: 2, 3, "unterminated comment")
        expectHCLError("job \"x\" {\n  a = 1\n", at: 1, 9, "unterminated block: this \"{\" of block \"job\" has no matching \"}\"")
        expectHCLError("a {\n  b {\n  }\n", at: 1, 3, "of block \"a\"")
        expectHCLError("a = [1,\n2\n", at: 1, 5, "unterminated list: this \"[\" has no matching \"]\"")
        expectHCLError("a = [", at: 1, 5, "unterminated list")
        expectHCLError("a = { b = 1\n", at: 1, 5, "unterminated object: this \"{\" has no matching \"}\"")
        expectHCLError("a = { b = 1,", at: 1, 5, "unterminated object")
        expectHCLError("a = {", at: 1, 5, "unterminated object")
        expectHCLError("a = \"x ${y\"\n", at: 1, 8, "unterminated template sequence: this \"${\" has no matching \"}\" before the end of the line")
        expectHCLError("a = \"%{ if", at: 1, 6, "unterminated template sequence: this \"%{\" has no matching \"}\" before the end of the file")
    }

    @Test func heredocOpenerErrors() {
        expectHCLError("a = <<\nx\n", at: 1, 5, "expected a heredoc marker after \"<<\"")
        expectHCLError("a = <<-\"EOT\"\nx\nEOT\n", at: 1, 5, "expected a heredoc marker after \"<<-\"")
        expectHCLError("a = <<EOT x\nEOT\n", at: 1, 11, "\"<<EOT\" must end its line")
        expectHCLError("a = [<<EOT]\nEOT\n", at: 1, 11, "must end its line")
    }

    @Test func unexpectedTokens() {
        expectHCLError("resources\n", at: 1, 10, "expected \"=\" or \"{\" after \"resources\", found a newline")
        expectHCLError("resources: 1\n", at: 1, 10, "expected \"=\" or \"{\" after \"resources\", found \":\"")
        expectHCLError("job \"x\" = 1\n", at: 1, 9, "expected \"{\" after the label \"x\" to open block \"job\", found \"=\"")
        expectHCLError("group g [\n", at: 1, 9, "expected \"{\" after the label \"g\"")
        expectHCLError("a = 1 b = 2\n", at: 1, 7, "expected a newline after the value of \"a\", found \"b\"")
        expectHCLError("a {} b = 1\n", at: 1, 6, "expected a newline after the \"}\" closing block \"a\", found \"b\"")
        expectHCLError("a = 1\n}\n", at: 2, 1, "unexpected \"}\": there is no open block to close")
        expectHCLError("\"a\" = 1\n", at: 1, 1, "expected an attribute name or a block type, found a quoted string")
        expectHCLError("a {\n  = 1\n}\n", at: 2, 3, "expected an attribute name or a block type, found \"=\"")
        expectHCLError("a =\nb = 1\n", at: 1, 4, "expected a value (a string, number, bool, null, list, object, name or function call), found a newline")
        expectHCLError("a = ]\n", at: 1, 5, "expected a value")
        expectHCLError("a =", at: 1, 4, "found the end of the file")
        expectHCLError("a = [1 2]\n", at: 1, 8, "expected \",\" or \"]\" after a list element, found the number 2")
        expectHCLError("a = [1,,]\n", at: 1, 8, "expected a value")
        expectHCLError("a = { 1 = 2 }\n", at: 1, 7, "expected an object key (a name or a quoted string), found the number 1")
        expectHCLError("a = { b 1 }\n", at: 1, 9, "expected \"=\" or \":\" after the object key \"b\", found the number 1")
        expectHCLError("a = { b = 1 c = 2 }\n", at: 1, 13, "expected \",\", a newline or \"}\" after the value of \"b\", found \"c\"")
        expectHCLError("a = { b = 1 ] }\n", at: 1, 13, "after the value of \"b\"")
        expectHCLError("a = { b =\n1 }\n", at: 1, 10, "expected a value")
    }

    @Test func invalidEscapes() {
        expectHCLError(#"a = "x\qy""#, at: 1, 7, #"invalid escape sequence "\q""#)
        expectHCLError(#"a = "\$""#, at: 1, 6, #"invalid escape sequence "\$""#)
        expectHCLError(#"a = "\u12g4""#, at: 1, 6, #"invalid escape sequence "\u12": "\u" takes exactly 4 hexadecimal digits"#)
        expectHCLError(#"a = "\U0001F6""#, at: 1, 6, #""\U" takes exactly 8 hexadecimal digits"#)
        expectHCLError(#"a = "ok\uD800""#, at: 1, 8, #"invalid escape sequence "\uD800": not a Unicode scalar value"#)
        expectHCLError(#"a = "\U00110000""#, at: 1, 6, "not a Unicode scalar value")
        expectHCLError("a = \"é\\ ok\"", at: 1, 7, "invalid escape sequence after \"\\\"")
        expectHCLError("label \"a\\x\" {}", at: 1, 9, "invalid escape sequence")
    }

    @Test func duplicates() {
        let text = "resources {\n  memory = 1\n  cpu    = 2\n  memory = 3\n}\n"
        expectHCLError(text, at: 4, 3, "attribute \"memory\" is set twice (first at 2:3)")
        expectHCLError("a = 1\na = 1\n", at: 2, 1, "attribute \"a\" is set twice (first at 1:1)")
        expectHCLError("a = { x = 1, y = 2,\n  x = 3 }\n", at: 2, 3, "key \"x\" is set twice in this object (first at 1:7)")
        expectHCLError("a = { x = 1, \"x\" = 2 }\n", at: 1, 14, "key \"x\" is set twice")
    }

    /// Expressions parse (HCLResolver evaluates them); what is not an expression is refused at its place.
    @Test func malformedExpressionsAreSyntaxErrors() {
        expectHCLError("a = 1 +\n", at: 1, 8, "expected a value")
        expectHCLError("a = true ? 1\n", at: 1, 13, "expected \":\" in the conditional expression")
        expectHCLError("a = upper(\"x\"\n", at: 2, 1, "expected \",\" or \")\" after an argument of upper()")
        expectHCLError("a = [for x in y x]\n", at: 1, 17, "expected \":\" after the for-expression's collection")
        expectHCLError("a = {for k, v in m: k v}\n", at: 1, 23, "expected \"=>\"")
        expectHCLError("a = (1\n", at: 2, 1, "expected \")\" to close the parenthesis")
        expectHCLError("a = x.\n", at: 1, 7, "expected an attribute name after \".\"")
        expectHCLError("a = -\n", at: 1, 6, "expected a value")
    }

    /// What needs evaluating is kept as such, with its place, for HCLResolver; literals stay literals.
    @Test func expressionsAreKeptForEvaluation() throws {
        func parsed(_ expression: String) throws -> HCLExpression.Kind? {
            try HCLParser.parse("a = \(expression)\n", file: "test.hcl").attributes.first?.value.kind
        }
        for expression in ["var.x", "local.a.b[0]", "x[*].id", "x.*.id", "upper(\"x\")", "1 + 2", "!true", "true ? 1 : 2",
                           "[for x in y: x]", "{for k, v in m: k => v}", "[1][0]", "[1, x]", "{ k = v }", "\"${var.x}\"",
                           "\"${NOMAD_ALLOC_DIR}/x\""] {
            let kind = try parsed(expression)
            #expect(kind.map { if case .unevaluated = $0 { true } else { false } } == true, "\(expression): \(String(describing: kind))")
        }
        #expect(try parsed("-1") == .number(-1, text: "-1"))
        #expect(try parsed("(1)") == .number(1, text: "1"))
        #expect(try parsed("[1, \"a\"]").map { if case .list = $0 { true } else { false } } == true)
        #expect(try parsed("\"$${NOMAD_ALLOC_DIR}\"") == .string("$${NOMAD_ALLOC_DIR}"))
    }

    @Test func numbersWithUnitsAndOutOfRange() {
        expectHCLError("kill_timeout = 15s\n", at: 1, 16, "\"15s\" is not a number: durations, sizes and other text are quoted strings")
        expectHCLError("memory = 64MB\n", at: 1, 10, "\"64MB\" is not a number")
        expectHCLError("a = 1e999\n", at: 1, 5, "the number 1e999 is out of range")
        expectHCLError("a = -1e999\n", at: 1, 5, "the number -1e999 is out of range")
    }

    @Test func invalidCharacters() {
        expectHCLError("a = @\n", at: 1, 5, "invalid character \"@\"")
        expectHCLError("a = 'x'\n", at: 1, 5, "invalid character \"'\": strings are written in double quotes")
        expectHCLError("a = 1;\n", at: 1, 6, "invalid character \";\"")
        expectHCLError("a = 1 & 2\n", at: 1, 7, "invalid character \"&\"")
        expectHCLError("é = \"x\" 😀\n", at: 1, 9, "invalid character \"😀\"")
        expectHCLError("a = 1\u{0}\n", at: 1, 6, "invalid character U+0000")
        expectHCLError("a\u{A0}= 1\n", at: 1, 2, "invalid character U+00A0")
        expectHCLError("a = ${x}\n", at: 1, 5, "invalid character \"$\"")
    }

    @Test func labelsCannotHoldTemplates() {
        expectHCLError("job \"${name}\" {}\n", at: 1, 5, "a block label cannot hold a template sequence")
    }

    @Test func nestingIsLimited() throws {
        let limit = HCLParser.maximumNestingDepth
        let deepest = "a = " + String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        _ = try hcl(deepest)
        let tooDeep = "a = " + String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        expectHCLError(tooDeep, at: 1, 5 + limit, "nesting is too deep: blocks, lists, objects, operators and templates may be nested 100 levels at most")

        // Blocks, objects and lists count together.
        var mixed = ""
        for level in 0..<limit - 2 { mixed += "b\(level) {\n" }
        mixed += "a = {k = [1]}\n" + String(repeating: "}\n", count: limit - 2)
        _ = try hcl(mixed)
        let blocks = String(repeating: "b {\n", count: limit + 1) + String(repeating: "}\n", count: limit + 1)
        expectHCLError(blocks, at: limit + 1, 3, "nesting is too deep")

        // Far past the limit: an error, not a stack overflow.
        expectHCLError("a = " + String(repeating: "[", count: 2_000), at: 1, 5 + limit, "nesting is too deep")
        expectHCLError("a = " + String(repeating: "{a=", count: 200_000), at: 1, 5 + 3 * limit, "nesting is too deep")
        expectHCLError(String(repeating: "b{", count: 200_000), at: 1, 2 * limit + 2, "nesting is too deep")
        expectHCLError("a = \"" + String(repeating: "${\"", count: 200_000), at: 1, 6, "unterminated template sequence")
    }

    @Test func diagnosticsShowTheLineAndACaret() throws {
        let text = "job \"x\" {\r\n  memory = 64MB\r\n}\r\n"
        let diagnostic = try #require(hclError(text))
        #expect(diagnostic.sourceLine == "  memory = 64MB")
        #expect(diagnostic.description == """
            test.hcl:2:12: "64MB" is not a number: durations, sizes and other text are quoted strings
                  memory = 64MB
                           ^
            """)
        let atEnd = try #require(hclError("a = [\n"))
        #expect(atEnd.sourceLine == "a = [")
        let eofLine = try #require(hclError("a =\n"))
        #expect(eofLine.sourceLine == "a =")
    }
}
