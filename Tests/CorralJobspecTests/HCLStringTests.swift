import Testing
@testable import CorralJobspec

/// Quoted strings (escapes, template sequences kept verbatim) and heredocs.
@Suite struct HCLStringTests {
    @Test func escapesAreDecoded() {
        #expect(hclValue(#""a\nb\tc\rd\"e\\f""#) == .string("a\nb\tc\rd\"e\\f"))
        #expect(hclValue(#""\u00e9\u00E9 \U0001F600""#) == .string("éé 😀"))
        #expect(hclValue(#""\u0041\u4e2d""#) == .string("A中"))
        #expect(hclValue(#""""#) == .string(""))
    }

    @Test func textIsKeptAsWritten() {
        #expect(hclValue(#""日本語 é 😀 $ % $x %y {} }""#) == .string("日本語 é 😀 $ % $x %y {} }"))
        #expect(hclValue("\"tab\there\"") == .string("tab\there"))
    }

    /// What the runner fills in stays as written; the rest is evaluated as HCL evaluates it.
    @Test func templateSequencesAreKeptVerbatim() {
        #expect(hclValue(#""${NOMAD_TASK_NAME}""#) == .string("${NOMAD_TASK_NAME}"))
        #expect(hclValue(#""echo \"hello from ${NOMAD_TASK_NAME}\"""#) == .string("echo \"hello from ${NOMAD_TASK_NAME}\""))
        #expect(hclValue(#""${env["X"]}""#) == .string(#"${env["X"]}"#))
        #expect(hclValue(#""a${ { k = "}" }.k }b""#) == .string("a}b"))
        #expect(hclError(#"a = "${f("\n", "\"")}""#)?.message == "there is no function named \"f\"")
        #expect(hclValue(#""${"${"${x}"}"}""#) == .string("${x}"))
        #expect(hclValue(#""%{ if x }yes%{ else }no%{ endif }""#) == .string("%{ if x }yes%{ else }no%{ endif }"))
        #expect(hclValue(#""${~ x ~}""#) == .string("${~ x ~}"))
        #expect(hclValue(#""${"$${literal}"}""#) == .string("$${literal}"))
    }

    @Test func escapedSequencesAreKeptAsWritten() {
        #expect(hclValue(#""$${NOT_A_TEMPLATE}""#) == .string("$${NOT_A_TEMPLATE}"))
        #expect(hclValue(#""%%{ not a directive }""#) == .string("%%{ not a directive }"))
        #expect(hclValue(#""$$${x}""#) == .string("$$${x}"))
        #expect(hclValue(#""$$ and %%""#) == .string("$$ and %%"))
    }

    @Test func stringRangesIncludeTheQuotes() throws {
        let body = try hcl(#"a = "${env["X"]}" # done"# + "\n")
        #expect(span(body.attributes[0].value.range) == "1:5-1:18")
    }

    @Test func heredoc() throws {
        let text = "a = <<EOT\nline one\n  line two\n\n${x} \"q\" \\n\nEOT\nb = 2\n"
        let body = try hcl(text)
        #expect(body.attributes[0].value.kind == .string("line one\n  line two\n\n${x} \"q\" \\n\n"))
        #expect(span(body.attributes[0].value.range) == "1:5-6:4")
        #expect(at(body.attributes[1].nameRange.start) == "7:1")
        #expect(PositionTable(text).isConsistent(body))
    }

    @Test func indentedHeredocLosesItsCommonIndentation() throws {
        let text = """
            a = <<-EOT
                first
                  second

                third
                EOT
            """
        #expect(try hcl(text).attributes[0].value.kind == .string("first\n  second\n\nthird\n"))
        // Whitespace-only lines take no part and are kept; the marker's own indentation does not count.
        let blank = "a = <<-EOT\n    x\n  \n      y\nEOT\n"
        #expect(try hcl(blank).attributes[0].value.kind == .string("x\n  \n  y\n"))
        let tabs = "a = <<-EOT\n\t\tx\n\ty\n\tEOT\n"
        #expect(try hcl(tabs).attributes[0].value.kind == .string("\tx\ny\n"))
    }

    @Test func plainHeredocKeepsIndentationAndAcceptsAnIndentedMarker() throws {
        #expect(try hcl("a = <<EOT\n  x\n  EOT\n").attributes[0].value.kind == .string("  x\n"))
    }

    @Test func heredocEdgeCases() throws {
        #expect(try hcl("a = <<EOT\nEOT\n").attributes[0].value.kind == .string(""))
        #expect(try hcl("a = <<EOT\nx\nEOT").attributes[0].value.kind == .string("x\n"))
        #expect(try hcl("a = <<EOT  \nx\nEOT  \n").attributes[0].value.kind == .string("x\n"))
        #expect(try hcl("a = <<EOT\nEOT is not alone\nEOTX\nEOT\n").attributes[0].value.kind == .string("EOT is not alone\nEOTX\n"))
        #expect(try hcl("a = <<EOT\r\nx\r\nEOT\r\nb = 1\r\n").attributes[0].value.kind == .string("x\r\n"))
        #expect(try hcl("a = <<END_OF-TEXT\nx\nEND_OF-TEXT\n").attributes[0].value.kind == .string("x\n"))
        #expect(try hcl("a = <<-EOT\nEOT\n").attributes[0].value.kind == .string(""))
    }

    @Test func heredocAsAListElementAsNomadJobsUseIt() throws {
        let text = """
            args = ["-c", <<-EOT
              echo one
              echo two
            EOT
            , "after"]
            args2 = [<<EOT
            x
            EOT
            ]
            """
        let body = try hcl(text)
        let args = body.attributes[0].value.list
        #expect(args.map(\.kind) == [.string("-c"), .string("echo one\necho two\n"), .string("after")])
        #expect(span(args[1].range) == "1:15-4:4")
        #expect(body.attributes[1].value.list.map(\.kind) == [.string("x\n")])
    }

    @Test func labelsAndKeysDecodeEscapes() throws {
        let body = try hcl(#"task "a\"b\u00e9" { env = { "K\tX" = 1 } }"#)
        #expect(body.blocks[0].labels[0].value == "a\"bé")
        guard case .object(let items) = body.blocks[0].body.attributes[0].value.kind else {
            Issue.record("not an object")
            return
        }
        #expect(items[0].key == "K\tX")
    }

    @Test func objectKeysMayHoldTemplatesVerbatim() throws {
        guard case .object(let items) = hclValue(#"{ "${x}" = 1 }"#) else {
            Issue.record("not an object")
            return
        }
        #expect(items[0].key == "${x}")
    }
}
