/// Heredocs: `<<EOT` or `<<-EOT` then a newline, the text's lines, and a line holding only the
/// marker (indented or not, in either form). The value is every line before the marker, each with
/// its line break; `<<-` removes the smallest indentation (spaces and tabs) of the non-blank lines.
/// Template sequences are kept verbatim, as in quoted strings; nothing else is decoded.
extension HCLLexer {
    mutating func lexHeredoc() throws(JobspecError) -> HCLToken {
        let start = cursor.position
        advance(2)  // "<<"
        let indented = peek() == HCLByte.minus
        if indented { advance() }
        guard isIdentifierStart(at: cursor.offset) else {
            throw error(at: start, "expected a heredoc marker after \"\(indented ? "<<-" : "<<")\" (like <<EOT or <<-EOT)")
        }
        let markerStart = cursor.offset
        let markerText = scanIdentifier()
        let marker = bytes[markerStart..<cursor.offset]
        let opener = (indented ? "<<-" : "<<") + markerText
        while let byte = peek(), HCLByte.isBlank(byte) { advance() }
        if peek() == HCLByte.carriageReturn && peek(1) == HCLByte.newline { advance() }
        guard peek() == HCLByte.newline else {
            throw error(at: cursor.position, "\"\(opener)\" must end its line: the heredoc's text starts on the next line")
        }
        advance()

        var lines: [ArraySlice<UInt8>] = []
        while true {
            let lineStart = cursor.offset
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != HCLByte.newline { lineEnd += 1 }
            var first = lineStart
            var last = lineEnd
            while first < last && HCLByte.isBlank(bytes[first]) { first += 1 }
            while last > first && (HCLByte.isBlank(bytes[last - 1]) || bytes[last - 1] == HCLByte.carriageReturn) { last -= 1 }
            if lineStart < bytes.count && bytes[first..<last].elementsEqual(marker) {
                // The closing marker: the token ends after it; its line break stays a newline token.
                advance(to: last)
                let text = indented ? Self.removingIndentation(lines) : Array(lines.joined())
                return HCLToken(kind: .heredoc(String(decoding: text, as: UTF8.self)),
                                range: SourceRange(start: start, end: cursor.position))
            }
            guard lineEnd < bytes.count else {
                throw error(at: start, "unterminated heredoc: no line \"\(markerText)\" closes this \"\(opener)\"")
            }
            advance(to: lineEnd + 1)
            lines.append(bytes[lineStart...lineEnd])
        }
    }

    /// The lines with the smallest leading run of spaces and tabs among the non-blank lines removed
    /// from each non-blank line (blank lines, only whitespace, are kept as they are, as in HCL).
    static func removingIndentation(_ lines: [ArraySlice<UInt8>]) -> [UInt8] {
        func indentation(_ line: ArraySlice<UInt8>) -> (count: Int, blank: Bool) {
            var index = line.startIndex
            while index < line.endIndex && HCLByte.isBlank(line[index]) { index += 1 }
            let rest = line[index...]
            let blank = rest.allSatisfy { $0 == HCLByte.newline || $0 == HCLByte.carriageReturn }
            return (index - line.startIndex, blank)
        }
        var smallest = Int.max
        for line in lines {
            let (count, blank) = indentation(line)
            if !blank { smallest = min(smallest, count) }
        }
        var text: [UInt8] = []
        for line in lines {
            if indentation(line).blank || smallest == Int.max {
                text.append(contentsOf: line)
            } else {
                text.append(contentsOf: line.dropFirst(smallest))
            }
        }
        return text
    }
}
