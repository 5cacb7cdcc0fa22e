/// The lines of a job file's text, for the source line under a diagnostic.
enum SourceLines {
    /// Line `number` (1-based) of `text` without its line break (a `\r` before the `\n` is dropped
    /// too); empty when there is no such line.
    static func line(_ number: Int, of text: String) -> String {
        guard number >= 1 else { return "" }
        var current = 1
        var start = text.utf8.startIndex
        var index = start
        let utf8 = text.utf8
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: "\n") {
                if current == number { return trimmed(utf8[start..<index]) }
                current += 1
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        return current == number ? trimmed(utf8[start..<index]) : ""
    }

    /// The lines `numbers` of `text`, in one pass over it: a file of one 16 MiB line with many
    /// problems on it is read once, and every problem shares that one copy of the line.
    static func lines(_ numbers: Set<Int>, of text: String) -> [Int: String] {
        var result: [Int: String] = [:]
        guard let last = numbers.max(), last >= 1 else { return result }
        let utf8 = text.utf8
        var current = 1
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex, current <= last {
            if utf8[index] == UInt8(ascii: "\n") {
                if numbers.contains(current) { result[current] = trimmed(utf8[start..<index]) }
                current += 1
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        if index == utf8.endIndex, numbers.contains(current) { result[current] = trimmed(utf8[start..<index]) }
        return result
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> String {
        var line = String(decoding: bytes, as: UTF8.self)
        if line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
        return line
    }
}
