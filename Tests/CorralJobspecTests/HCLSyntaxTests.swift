import Testing
@testable import CorralJobspec

/// Bodies, blocks, attributes and literal values, with the positions of what was parsed.
@Suite struct HCLSyntaxTests {
    @Test func blocksAttributesAndTheirRanges() throws {
        let text = """
            job "web" {
              type = "service"
              group api {
                count = 2
              }
            }
            """
        let body = try hcl(text)
        #expect(span(body.range) == "1:1-6:2")
        #expect(body.range.end.offset == text.utf8.count)
        let job = try #require(body.blocks.first)
        #expect(body.items.count == 1)
        #expect(job.type == "job")
        #expect(span(job.typeRange) == "1:1-1:4")
        #expect(job.labels.map(\.value) == ["web"])
        #expect(span(job.labels[0].range) == "1:5-1:10")
        #expect(span(job.range) == "1:1-6:2")
        #expect(span(job.body.range) == "1:11-6:2")

        let type = try #require(job.body.attributes.first)
        #expect(type.name == "type")
        #expect(span(type.nameRange) == "2:3-2:7")
        #expect(type.value.kind == .string("service"))
        #expect(span(type.value.range) == "2:10-2:19")

        let group = try #require(job.body.blocks.first)
        #expect(group.labels.map(\.value) == ["api"])
        #expect(span(group.labels[0].range) == "3:9-3:12")
        #expect(span(group.range) == "3:3-5:4")
        let count = try #require(group.body.attributes.first)
        #expect(count.value.kind == .number(2, text: "2"))
        #expect(span(count.value.range) == "4:13-4:14")
        #expect(PositionTable(text).isConsistent(body))
    }

    @Test func itemsKeepSourceOrder() throws {
        let body = try hcl("a = 1\nb {}\nc = 2\nd {}\n")
        let names = body.items.map { item -> String in
            switch item {
            case .attribute(let attribute): "attr:\(attribute.name)"
            case .block(let block): "block:\(block.type)"
            }
        }
        #expect(names == ["attr:a", "block:b", "attr:c", "block:d"])
    }

    @Test func oneLineAndEmptyBlocks() throws {
        let body = try hcl("a { b = 1 }\nc {}\nd \"x\" y \"z\" {\n}\ne { f { g = true } }\n")
        let blocks = body.blocks
        #expect(blocks.count == 4)
        #expect(blocks[0].body.attributes.map(\.name) == ["b"])
        #expect(span(blocks[0].body.range) == "1:3-1:12")
        #expect(blocks[1].body.items.isEmpty)
        #expect(span(blocks[1].range) == "2:1-2:5")
        #expect(blocks[2].labels.map(\.value) == ["x", "y", "z"])
        #expect(blocks[2].labels.map { span($0.range) } == ["3:3-3:6", "3:7-3:8", "3:9-3:12"])
        #expect(blocks[3].body.blocks.first?.body.attributes.first?.value.kind == .bool(true))
    }

    @Test func blockBodyMayCloseOnTheLastAttributesLine() throws {
        let body = try hcl("a {\n  b = 1 }\n")
        #expect(body.blocks.first?.body.attributes.first?.name == "b")
    }

    @Test func identifiersTakeLettersDigitsUnderscoresAndDashes() throws {
        let body = try hcl("my-attr_2 = 1\n_x = 2\ncheck-1 \"a\" {}\nnäme = 3\n")
        #expect(body.attributes.map(\.name) == ["my-attr_2", "_x", "näme"])
        #expect(body.blocks.first?.type == "check-1")
    }

    @Test func emptyAndCommentOnlyFiles() throws {
        for text in ["", "\n\n", "# only a comment", "// one\n/* two\nthree */\n", "\u{FEFF}# bom\n"] {
            let body = try hcl(text)
            #expect(body.items.isEmpty)
            #expect(body.range.end.offset == text.utf8.count)
        }
    }

    @Test func commentsOfEveryKind() throws {
        let text = """
            # hash
            // slashes
            a = 1 # after a value
            b = 2 // after a value
            /* block
               comment */ c = 3
            d /* inside */ = /* here too */ 4
            list = [
              1, # one
              // between
              2, /* two */
            ]
            """
        let body = try hcl(text)
        #expect(body.attributes.map(\.name) == ["a", "b", "c", "d", "list"])
        #expect(body.attributes[2].nameRange.start.line == 6)
        #expect(body.attributes[3].value.kind == .number(4, text: "4"))
        #expect(body.attributes[4].value.kind == .list([
            HCLExpression(.number(1, text: "1"), range: body.attributes[4].value.list[0].range),
            HCLExpression(.number(2, text: "2"), range: body.attributes[4].value.list[1].range),
        ]))
    }

    @Test func numbers() throws {
        #expect(hclValue("0") == .number(0, text: "0"))
        #expect(hclValue("42") == .number(42, text: "42"))
        #expect(hclValue("1.5") == .number(1.5, text: "1.5"))
        #expect(hclValue("1e3") == .number(1000, text: "1e3"))
        #expect(hclValue("2.5E-2") == .number(0.025, text: "2.5E-2"))
        #expect(hclValue("7e+1") == .number(70, text: "7e+1"))
        #expect(hclValue("-7") == .number(-7, text: "-7"))
        #expect(hclValue("-0.5") == .number(-0.5, text: "-0.5"))
        #expect(hclValue("- 3") == .number(-3, text: "-3"))
        // The text keeps what a Double cannot.
        #expect(hclValue("9007199254740993") == .number(9_007_199_254_740_992, text: "9007199254740993"))
        let negative = try hcl("a = -12\n").attributes[0].value
        #expect(span(negative.range) == "1:5-1:8")
    }

    @Test func boolsAndNull() {
        #expect(hclValue("true") == .bool(true))
        #expect(hclValue("false") == .bool(false))
        #expect(hclValue("null") == .null)
    }

    @Test func lists() throws {
        #expect(hclValue("[]") == .list([]))
        let body = try hcl("a = [1, \"two\", true, null, [], {},]\n")
        let list = body.attributes[0].value
        #expect(span(list.range) == "1:5-1:36")
        #expect(list.list.map(\.kind) == [.number(1, text: "1"), .string("two"), .bool(true), .null, .list([]), .object([])])
        #expect(list.list.map { span($0.range) } == ["1:6-1:7", "1:9-1:14", "1:16-1:20", "1:22-1:26", "1:28-1:30", "1:32-1:34"])

        let multiline = try hcl("a = [\n\n  \"x\",\n\n  \"y\"\n\n  ,\"z\"\n]\nb = 1\n")
        #expect(multiline.attributes[0].value.list.map(\.kind) == [.string("x"), .string("y"), .string("z")])
        #expect(span(multiline.attributes[0].value.range) == "1:5-8:2")
        #expect(multiline.attributes[1].nameRange.start.line == 9)

        let nested = try #require(hclValue("[[1, [2]], [[[]]]]"))
        guard case .list(let outer) = nested else { Issue.record("not a list"); return }
        #expect(outer.count == 2)
    }

    @Test func objects() throws {
        #expect(hclValue("{}") == .object([]))
        let body = try hcl("a = { k = 1, \"quoted key\" = \"v\", c: true, }\n")
        let object = body.attributes[0].value
        guard case .object(let items) = object.kind else { Issue.record("not an object"); return }
        #expect(items.map(\.key) == ["k", "quoted key", "c"])
        #expect(items.map { span($0.keyRange) } == ["1:7-1:8", "1:14-1:26", "1:34-1:35"])
        #expect(items.map(\.value.kind) == [.number(1, text: "1"), .string("v"), .bool(true)])
        #expect(span(object.range) == "1:5-1:44")

        let multiline = try hcl("""
            a = {
              x = 1
              y = "two",

              z = {
                inner = [1, 2]
              }
            }
            """)
        guard case .object(let members) = multiline.attributes[0].value.kind else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["x", "y", "z"])
        #expect(at(members[2].keyRange.start) == "5:3")
        guard case .object(let inner) = members[2].value.kind else { Issue.record("not an object"); return }
        #expect(inner.first?.key == "inner")
    }

    @Test func listsOfObjectsAsNomadWritesThem() throws {
        let body = try hcl("""
            devices = [
              {
                host_path = "/dev/full"
              },
              { host_path = "/dev/null" }
            ]
            """)
        let devices = body.attributes[0].value.list
        #expect(devices.count == 2)
        let paths = devices.map { device -> HCLExpression.Kind? in
            if case .object(let items) = device.kind { items.first?.value.kind } else { nil }
        }
        #expect(paths == [.string("/dev/full"), .string("/dev/null")])
    }

    @Test func crlfLineEndings() throws {
        let text = "a = 1\r\nb {\r\n  c = \"x\"\r\n}\r\n"
        let body = try hcl(text)
        #expect(body.attributes.map(\.name) == ["a"])
        #expect(at(body.blocks[0].typeRange.start) == "2:1")
        #expect(body.blocks[0].body.attributes[0].value.kind == .string("x"))
        #expect(PositionTable(text).isConsistent(body))
    }

    @Test func columnsCountUnicodeScalars() throws {
        let text = "a = \"日本語\"\nb = [\"é\", \"😀\", 1]\n"
        let body = try hcl(text)
        #expect(span(body.attributes[0].value.range) == "1:5-1:10")
        let list = body.attributes[1].value.list
        #expect(list.map { span($0.range) } == ["2:6-2:9", "2:11-2:14", "2:16-2:17"])
        #expect(list[2].range.start.offset == 35)
        #expect(PositionTable(text).isConsistent(body))
    }

    @Test func aByteOrderMarkIsSkipped() throws {
        let body = try hcl("\u{FEFF}a = 1\n")
        #expect(body.attributes.first?.name == "a")
        #expect(body.attributes.first?.nameRange.start.offset == 3)
    }

    @Test func theLastItemNeedsNoNewline() throws {
        #expect(try hcl("a = 1").attributes.count == 1)
        #expect(try hcl("a {}").blocks.count == 1)
        #expect(try hcl("a = [1,\n2]").attributes.count == 1)
    }

    @Test func theSameAttributeInDifferentBodiesIsFine() throws {
        let body = try hcl("memory = 1\na {\n  memory = 2\n}\nb {\n  memory = 3\n}\n")
        #expect(body.blocks.count == 2)
    }

    @Test func aNomadJobWithTheUsualStanzas() throws {
        let text = #"""
            job "docs" {
              datacenters = ["dc1"]
              type        = "service"

              constraint {
                attribute = "${attr.kernel.name}"
                value     = "linux"
              }

              group "web" {
                count = 2
                network {
                  port "http" { static = 8080 }
                }

                task "server" {
                  driver = "exec"
                  env {
                    GREETING = "hello"
                    PORT     = "${NOMAD_PORT_http}"
                  }
                  meta = { "team" = "docs", tier: "web" }
                  template {
                    destination = "local/app.conf"
                    data        = <<-EOH
                      {{ with secret "kv/app" }}password={{ .Data.password }}{{ end }}
                      root=${NOMAD_ALLOC_DIR}
                    EOH
                  }
                  resources {
                    cpu    = 500
                    memory = 256
                  }
                }
              }
            }
            """#
        let body = try hcl(text)
        #expect(PositionTable(text).isConsistent(body))
        let job = try #require(body.blocks.first)
        #expect(job.body.attributes.map(\.name) == ["datacenters", "type"])
        #expect(job.body.blocks.map(\.type) == ["constraint", "group"])
        let group = job.body.blocks[1]
        let port = try #require(group.body.blocks.first?.body.blocks.first)
        #expect(port.labels.map(\.value) == ["http"])
        #expect(at(port.body.attributes[0].value.range.start) == "13:30")
        let task = try #require(group.body.blocks.last)
        let template = try #require(task.body.blocks.first { $0.type == "template" })
        let data = try #require(template.body.attributes.first { $0.name == "data" })
        #expect(data.value.kind == .string("""
            {{ with secret "kv/app" }}password={{ .Data.password }}{{ end }}
            root=${NOMAD_ALLOC_DIR}

            """))
        let env = try #require(task.body.blocks.first { $0.type == "env" })
        #expect(env.body.attributes.map(\.value.kind) == [.string("hello"), .string("${NOMAD_PORT_http}")])
    }

    @Test func blocksMayRepeat() throws {
        let body = try hcl("task \"a\" {}\ntask \"a\" {}\n")
        #expect(body.blocks.count == 2)
    }
}

extension HCLExpression {
    /// The elements of a list (empty for anything else), for compact expectations.
    var list: [HCLExpression] {
        if case .list(let elements) = kind { elements } else { [] }
    }
}
