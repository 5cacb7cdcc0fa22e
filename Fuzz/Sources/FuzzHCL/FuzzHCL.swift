import CorralJobspec

/// libFuzzer's entry point: the bytes, as UTF-8 (invalid sequences replaced), go to
/// `HCLParser.parse`. Besides a crash or a hang, a broken invariant traps: a body with a range
/// outside the text or ending before it starts, or an error whose one diagnostic is not at a real
/// place of the text (line and column those of its offset).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHCLParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: size > 0 ? data : nil, count: size), as: UTF8.self)
    let positions = Positions(text)
    do {
        let body = try HCLParser.parse(text, file: "fuzz.hcl")
        precondition(body.range.end.offset == positions.count, "the file's body does not end at the end of the text")
        check(body, positions)
    } catch {
        precondition(error.diagnostics.count == 1, "\(error.diagnostics.count) diagnostics")
        let diagnostic = error.diagnostics[0]
        precondition(positions.isValid(diagnostic.position), "diagnostic at \(diagnostic.position) (\(diagnostic.message))")
        precondition(!diagnostic.message.isEmpty)
    }
    return 0
}

/// The line and column of each UTF-8 offset of the text (its end included).
struct Positions {
    private var places: [(line: Int, column: Int, boundary: Bool)] = []

    init(_ text: String) {
        var line = 1
        var column = 1
        for byte in text.utf8 {
            places.append((line, column, byte & 0xC0 != 0x80))
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        places.append((line, column, true))
    }

    var count: Int { places.count - 1 }

    func isValid(_ position: SourcePosition) -> Bool {
        guard position.offset >= 0 && position.offset < places.count else { return false }
        let place = places[position.offset]
        return place.boundary && place.line == position.line && place.column == position.column
    }

    func check(_ range: SourceRange) {
        precondition(range.start.offset <= range.end.offset, "range \(range) ends before it starts")
        precondition(isValid(range.start) && isValid(range.end), "range \(range) is not in the text")
    }
}

/// Checks the body's ranges and its items': each in the text, inside its parent, after the one before.
func check(_ body: HCLBody, _ positions: Positions) {
    positions.check(body.range)
    var previousEnd = body.range.start.offset
    for item in body.items {
        let range: SourceRange
        switch item {
        case .attribute(let attribute):
            positions.check(attribute.nameRange)
            check(attribute.value, positions)
            range = SourceRange(start: attribute.nameRange.start, end: attribute.value.range.end)
        case .block(let block):
            positions.check(block.range)
            positions.check(block.typeRange)
            for label in block.labels { positions.check(label.range) }
            check(block.body, positions)
            precondition(block.typeRange.start == block.range.start && block.body.range.end == block.range.end,
                         "block \(block.type) at \(block.range.start): its parts do not span it")
            range = block.range
        }
        precondition(range.start.offset >= previousEnd && range.end.offset <= body.range.end.offset,
                     "item at \(range.start) overlaps the one before or leaves its body")
        previousEnd = range.end.offset
    }
}

func check(_ expression: HCLExpression, _ positions: Positions) {
    positions.check(expression.range)
    var previousEnd = expression.range.start.offset
    func contained(_ range: SourceRange) {
        precondition(range.start.offset >= previousEnd && range.end.offset <= expression.range.end.offset,
                     "member at \(range.start) overlaps the one before or leaves its value")
        previousEnd = range.end.offset
    }
    switch expression.kind {
    case .list(let elements):
        for element in elements {
            check(element, positions)
            contained(element.range)
        }
    case .object(let items):
        for item in items {
            positions.check(item.keyRange)
            check(item.value, positions)
            contained(SourceRange(start: item.keyRange.start, end: item.value.range.end))
        }
    default:
        break
    }
}
