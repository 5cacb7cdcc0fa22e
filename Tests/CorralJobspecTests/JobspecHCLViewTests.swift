import CorralDriver
@testable import CorralJobspec
import CorralRunner
import Testing

/// HCL syntax trees built by hand, laid out as the parser would find them in text (`name = value`,
/// `type "label" {`), so the HCL side of the decoder is tested before the parser lands.
enum HCLTree {
    static func position(_ line: Int, _ column: Int) -> SourcePosition {
        SourcePosition(line: line, column: column, offset: line * 1000 + column)
    }

    static func range(_ line: Int, _ column: Int, _ length: Int) -> SourceRange {
        SourceRange(start: position(line, column), end: position(line, column + length))
    }

    /// A value whose position does not matter.
    static func value(_ kind: HCLExpression.Kind) -> HCLExpression { HCLExpression(kind, range: range(0, 0, 0)) }

    static func string(_ text: String) -> HCLExpression.Kind { .string(text) }
    static func number(_ text: String) -> HCLExpression.Kind { .number(Double(text)!, text: text) }

    /// `name = value` from `line:column`.
    static func attribute(_ name: String, _ line: Int, _ column: Int, _ kind: HCLExpression.Kind) -> HCLBodyItem {
        .attribute(HCLAttribute(name: name, nameRange: range(line, column, name.count),
                                value: HCLExpression(kind, range: range(line, column + name.count + 3, 1))))
    }

    /// `type "label"... {` from `line:column`, up to `}` on `endLine`.
    static func block(_ type: String, _ labels: [String] = [], _ line: Int, _ column: Int, endLine: Int? = nil,
                      _ items: [HCLBodyItem] = []) -> HCLBodyItem {
        var labelColumn = column + type.count + 1
        var hclLabels: [HCLLabel] = []
        for label in labels {
            hclLabels.append(HCLLabel(value: label, range: range(line, labelColumn, label.count + 2)))
            labelColumn += label.count + 3
        }
        let end = position(endLine ?? line, column + 1)
        return .block(HCLBlock(type: type, typeRange: range(line, column, type.count), labels: hclLabels,
                               body: HCLBody(items: items, range: SourceRange(start: position(line, labelColumn), end: end)),
                               range: SourceRange(start: position(line, column), end: end)))
    }

    static func file(_ items: [HCLBodyItem]) -> HCLBody {
        HCLBody(items: items, range: SourceRange(start: position(1, 1), end: position(99, 1)))
    }
}

@Suite("Jobspec HCL view")
struct JobspecHCLViewTests {
    typealias T = HCLTree

    func decode(_ body: HCLBody) throws(JobspecError) -> Job {
        try Jobspec.decode(HCLBodyView(body), format: .hcl, file: "t.hcl", text: "", drivers: Drivers.all)
    }

    @Test("blocks in config become objects, repeated ones lists; env may be an object; same job as JSON")
    func sameAsJSON() throws {
        let tree = T.file([T.block("job", ["x"], 1, 1, [T.block("group", ["g"], 2, 3, [T.block("task", ["web"], 3, 5, [
            T.attribute("driver", 4, 7, T.string("exec")),
            T.block("config", [], 5, 7, [
                T.attribute("command", 6, 9, T.string("/bin/sh")),
                T.block("devices", [], 7, 9, [T.attribute("host_path", 8, 11, T.string("/dev/null"))]),
                T.block("mounts", [], 9, 9, [T.attribute("target", 10, 11, T.string("/a")),
                                             T.attribute("source", 11, 11, T.string("/s"))]),
                T.block("mounts", [], 12, 9, [T.attribute("target", 13, 11, T.string("/b")),
                                              T.attribute("type", 14, 11, T.string("tmpfs"))]),
            ]),
            T.attribute("env", 15, 7, .object([HCLObjectItem(key: "A", keyRange: T.range(15, 15, 1), value: T.value(T.string("1")))])),
            T.block("meta", [], 16, 7, [T.attribute("k", 16, 14, T.number("2"))]),
            T.attribute("kill_timeout", 17, 7, T.string("1m")),
        ])])])])
        let json = #"""
        {"job": {"x": {"group": {"g": {"task": {"web": {
          "driver": "exec",
          "config": {"command": "/bin/sh", "devices": [{"host_path": "/dev/null"}],
                     "mounts": [{"target": "/a", "source": "/s"}, {"target": "/b", "type": "tmpfs"}]},
          "env": {"A": "1"}, "meta": {"k": 2}, "kill_timeout": "1m"
        }}}}}}}
        """#
        let fromHCL = try decode(tree)
        #expect(fromHCL == CorralJobspecTests.decode(json))
        #expect(fromHCL.groups.first?.tasks.first?.config["devices"] == .list([.object(["host_path": .string("/dev/null")])]))
    }

    /// The layout of `JobspecHCLTests.errors`' text.
    static let errorTree = T.file([T.block("job", ["x"], 1, 1, endLine: 26, [
        T.block("group", ["g"], 2, 3, endLine: 20, [
            T.block("count", [], 3, 5),
            T.block("task", ["web"], 4, 5, endLine: 14, [
                T.attribute("driver", 5, 7, T.string("exec")),
                T.attribute("kill_timeout", 6, 7, T.number("5")),
                T.attribute("resources", 7, 7, .object([HCLObjectItem(key: "cpu", keyRange: T.range(7, 21, 3),
                                                                      value: T.value(T.number("100")))])),
                T.block("config", [], 8, 7, endLine: 12, [
                    T.attribute("command", 9, 9, T.string("/bin/sh")),
                    T.block("devices", [], 10, 9, [T.attribute("cgroup_permissions", 10, 19, .bool(true))]),
                    T.attribute("cap_add", 11, 9, .list([T.value(T.string("A"))])),
                ]),
                T.block("logs", ["x"], 13, 7),
            ]),
            T.block("task", [], 15, 5, endLine: 19, [
                T.block("resources", [], 16, 7, endLine: 18, [T.attribute("memry", 17, 9, T.number("64"))]),
            ]),
        ]),
        T.block("group", ["a", "b"], 21, 3, endLine: 25, [
            T.block("task", ["t"], 22, 5, endLine: 24, [T.attribute("driver", 23, 7, T.string("mock"))]),
        ]),
    ])])

    static let expectedErrors = [
        "3:5: count is an attribute, not a block: write count = ...",
        #"6:22: kill_timeout: expected a duration like "5s", got a number"#,
        "7:7: resources is a block, not an attribute: write resources { ... }",
        "10:9: config.devices[0].host_path: is required",
        "13:12: logs block takes no name",
        #"15:5: task block needs a name: task "NAME" { ... }"#,
        "15:5: task: missing driver",
        #"17:9: unknown attribute "memry" in resources (did you mean "memory"?)"#,
        "21:13: group block takes one name, got 2",
    ]

    @Test("HCL forms: blocks and attributes mixed up, labels, durations as numbers, nested config blocks")
    func errors() {
        do throws(JobspecError) {
            _ = try decode(Self.errorTree)
            Issue.record("expected errors")
        } catch {
            #expect(error.diagnostics.map { "\($0.position.line):\($0.position.column): \($0.message)" } == Self.expectedErrors)
        }
    }

    @Test("config: a key both as attribute and block, a block with a name")
    func configKeys() {
        let tree = T.file([T.block("job", ["x"], 1, 1, [T.block("group", ["g"], 2, 3, [T.block("task", ["web"], 3, 5, [
            T.attribute("driver", 4, 7, T.string("exec")),
            T.block("config", [], 5, 7, [
                T.attribute("command", 6, 9, T.string("/bin/sh")),
                T.attribute("devices", 7, 9, .list([])),
                T.block("devices", [], 8, 9, [T.attribute("host_path", 8, 19, T.string("/dev/null"))]),
                T.block("mounts", ["m"], 9, 9, [T.attribute("target", 9, 20, T.string("/m"))]),
                T.attribute("command", 10, 9, T.string("/bin/true")),
            ]),
        ])])])])
        do throws(JobspecError) {
            _ = try decode(tree)
            Issue.record("expected errors")
        } catch {
            #expect(error.diagnostics.map { "\($0.position.line):\($0.position.column): \($0.message)" } == [
                #"8:9: duplicate key "devices" in config (first at 7:9)"#,
                "9:16: blocks in config take no name",
                #"10:9: duplicate key "command" in config (first at 6:9)"#,
            ])
        }
    }
}
