import Foundation
import Testing
@testable import CorralJobspec

/// Parses `text` as `test.hcl` and evaluates it as a job file is (without variables).
func hcl(_ text: String) throws(JobspecError) -> HCLBody {
    var diagnostics = DiagnosticCollector()
    let body = HCLResolver.resolve(try HCLParser.parse(text, file: "test.hcl"), inputs: JobVariableInputs(), directory: nil,
                                   diagnostics: &diagnostics)
    guard diagnostics.isEmpty else { throw diagnostics.jobspecError(file: "test.hcl", text: text) }
    return body
}

/// The single diagnostic parsing `text` throws; records an issue (and returns nil) if it parses.
func hclError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JobspecDiagnostic? {
    do {
        let body = try hcl(text)
        Issue.record("expected an error, parsed \(body)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.diagnostics.count == 1, sourceLocation: sourceLocation)
        return error.diagnostics.first
    }
}

/// Expects parsing `text` to fail at `line:column` with a message containing `message`.
func expectHCLError(_ text: String, at line: Int, _ column: Int, _ message: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    guard let diagnostic = hclError(text, sourceLocation: sourceLocation) else { return }
    #expect(diagnostic.file == "test.hcl", sourceLocation: sourceLocation)
    #expect("\(diagnostic.position.line):\(diagnostic.position.column)" == "\(line):\(column)",
            "\(diagnostic.message)", sourceLocation: sourceLocation)
    #expect(diagnostic.message.contains(message), "\(diagnostic.message)", sourceLocation: sourceLocation)
    #expect(positionIsConsistent(diagnostic.position, in: text), sourceLocation: sourceLocation)
}

/// The value of `a = <expression>`.
func hclValue(_ expression: String, sourceLocation: SourceLocation = #_sourceLocation) -> HCLExpression.Kind? {
    do {
        let body = try hcl("a = \(expression)\n")
        return body.attributes.first?.value.kind
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// `line:column` of a position, for compact expectations.
func at(_ position: SourcePosition) -> String { "\(position.line):\(position.column)" }

/// `line:column-line:column` of a range.
func span(_ range: SourceRange) -> String { "\(at(range.start))-\(at(range.end))" }

/// The line and column of every UTF-8 offset of a text (the end included), to check positions.
struct PositionTable {
    private var lines: [Int] = []
    private var columns: [Int] = []
    private var boundary: [Bool] = []

    init(_ text: String) {
        var line = 1
        var column = 1
        for byte in text.utf8 {
            lines.append(line)
            columns.append(column)
            boundary.append(byte & 0xC0 != 0x80)
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        lines.append(line)
        columns.append(column)
        boundary.append(true)
    }

    /// Whether the position is inside the text (its end counts), on a scalar boundary, and its line
    /// and column are those of its offset.
    func isConsistent(_ position: SourcePosition) -> Bool {
        guard position.offset >= 0 && position.offset < lines.count else { return false }
        return boundary[position.offset] && lines[position.offset] == position.line
            && columns[position.offset] == position.column
    }

    /// Whether every range of the body lies in the text, ends no earlier than it starts, and has
    /// consistent positions.
    func isConsistent(_ body: HCLBody) -> Bool {
        allRanges(body).allSatisfy { range in
            range.start.offset <= range.end.offset && isConsistent(range.start) && isConsistent(range.end)
        } && rangesNest(body)
    }
}

func positionIsConsistent(_ position: SourcePosition, in text: String) -> Bool {
    PositionTable(text).isConsistent(position)
}

/// Every range in the body (its own, its items', their values', recursively), for checking.
func allRanges(_ body: HCLBody) -> [SourceRange] {
    var ranges = [body.range]
    for item in body.items {
        switch item {
        case .attribute(let attribute):
            ranges.append(attribute.nameRange)
            ranges += allRanges(attribute.value)
        case .block(let block):
            ranges += [block.range, block.typeRange] + block.labels.map(\.range)
            ranges += allRanges(block.body)
        }
    }
    return ranges
}

func allRanges(_ expression: HCLExpression) -> [SourceRange] {
    var ranges = [expression.range]
    switch expression.kind {
    case .list(let elements):
        for element in elements { ranges += allRanges(element) }
    case .object(let items):
        for item in items { ranges += [item.keyRange] + allRanges(item.value) }
    default:
        break
    }
    return ranges
}

/// Whether each item of the body lies inside it, after the item before; and so on down.
func rangesNest(_ body: HCLBody) -> Bool {
    var previousEnd = body.range.start.offset
    for item in body.items {
        let range: SourceRange
        switch item {
        case .attribute(let attribute):
            guard rangesNest(attribute.value) else { return false }
            range = SourceRange(start: attribute.nameRange.start, end: attribute.value.range.end)
        case .block(let block):
            guard rangesNest(block.body), block.typeRange.start == block.range.start,
                  block.body.range.end == block.range.end else { return false }
            range = block.range
        }
        guard range.start.offset >= previousEnd && range.end.offset <= body.range.end.offset else { return false }
        previousEnd = range.end.offset
    }
    return true
}

func rangesNest(_ expression: HCLExpression) -> Bool {
    var members: [(SourceRange, Bool)] = []
    switch expression.kind {
    case .list(let elements):
        members = elements.map { ($0.range, rangesNest($0)) }
    case .object(let items):
        members = items.map { (SourceRange(start: $0.keyRange.start, end: $0.value.range.end), rangesNest($0.value)) }
    default:
        return true
    }
    var previousEnd = expression.range.start.offset
    for (range, nested) in members {
        guard nested, range.start.offset >= previousEnd, range.end.offset <= expression.range.end.offset else { return false }
        previousEnd = range.end.offset
    }
    return true
}

/// Runs CPU-bound test work on a thread of its own, not on Swift's cooperative pool (as wide as the
/// machine has cores): a few seconds of parsing there would starve the timing tests running beside it.
func offCooperativePool<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.stackSize = 16 << 20
        thread.start()
    }
}
