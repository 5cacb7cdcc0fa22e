/// Aligned plain-text output: tables (a header row and columns two spaces apart, the last column
/// unpadded) and `Key = value` blocks, as Nomad's CLI prints them.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    mutating func append(_ row: [String]) { rows.append(row) }

    /// Every line ends with a newline; no trailing spaces. Cells wider than others widen their column.
    func render() -> String {
        let lines = [headers] + rows
        let columns = lines.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for line in lines {
            for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var out = ""
        for line in lines {
            var text = ""
            for (index, cell) in line.enumerated() {
                let last = index == line.count - 1
                text += last ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            while text.hasSuffix(" ") { text.removeLast() }
            out += text + "\n"
        }
        return out
    }

    /// `Key   = value` lines, the `=` aligned.
    static func keyValues(_ pairs: [(String, String)]) -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { key, value in
            key + String(repeating: " ", count: width - key.count) + " = " + value + "\n"
        }.joined()
    }
}
