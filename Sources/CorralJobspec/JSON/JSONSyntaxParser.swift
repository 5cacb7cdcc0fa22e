import CorralJSON

/// Strict JSON (RFC 8259) to the same `HCLExpression` tree the HCL parser gives, with the position
/// of every value and key, for Nomad's HCL-as-JSON job files (and the agent's config file).
///
/// The parsing is corral's one JSON parser (`JSONNode` in `CorralJSON`); this maps its tree:
/// objects become `.object` (members in source order, duplicate keys kept: the decoder reports
/// them), arrays `.list`, numbers `.number` with their text as written. The first syntax error is
/// thrown with its line and column (`job.json:3:17: expected "," or "}"`). Nesting is limited to
/// `maximumDepth` levels, so no input can exhaust the stack.
package enum JSONSyntaxParser {
    /// The deepest nesting of objects and arrays accepted.
    package static let maximumDepth = 128

    /// Parses `text` (one JSON value, whitespace around it); `file` names it in errors.
    /// `allowingComments`: `//`, `#` and `/* */` comments are read as blanks (job files, as Nomad).
    package static func parse(_ text: String, file: String, allowingComments: Bool = false) throws(JobspecError) -> HCLExpression {
        do {
            let source = allowingComments ? JSONComments.blanked(text) : text
            return expression(try JSONNode.parse(source, maximumDepth: maximumDepth))
        } catch {
            let position = SourcePosition(error.position)
            throw JobspecError([JobspecDiagnostic(file: file, position: position, message: error.message,
                                                  sourceLine: SourceLines.line(position.line, of: text))])
        }
    }

    static func expression(_ node: JSONNode) -> HCLExpression {
        let range = SourceRange(node.range)
        switch node.kind {
        case .null: return HCLExpression(.null, range: range)
        case .bool(let value): return HCLExpression(.bool(value), range: range)
        case .string(let value): return HCLExpression(.string(value), range: range)
        // The scanner accepted only finite numbers in JSON's grammar, which Double reads.
        case .number(let text): return HCLExpression(.number(Double(text) ?? 0, text: text), range: range)
        case .array(let elements): return HCLExpression(.list(elements.map(expression)), range: range)
        case .object(let members):
            return HCLExpression(.object(members.map {
                HCLObjectItem(key: $0.key, keyRange: SourceRange($0.keyRange), value: expression($0.value))
            }), range: range)
        }
    }
}

extension SourcePosition {
    init(_ position: JSONPosition) {
        self.init(line: position.line, column: position.column, offset: position.offset)
    }
}

extension SourceRange {
    init(_ range: JSONRange) {
        self.init(start: SourcePosition(range.start), end: SourcePosition(range.end))
    }
}
