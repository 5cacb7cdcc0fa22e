/// Byte counts as people write them (`64m`) and read them (`64 MiB`, `1.5 GiB`, `512 B`).
package enum ByteCount {
    /// Parses `512`, `64k`, `64m`, `1g` (binary units, case-insensitive, optional trailing `b`).
    package static func parse(_ text: String) -> UInt64? {
        var digits = Substring(text.lowercased())
        if digits.hasSuffix("b") { digits.removeLast() }
        var multiplier: UInt64 = 1
        switch digits.last {
        case "k": multiplier = 1 << 10
        case "m": multiplier = 1 << 20
        case "g": multiplier = 1 << 30
        case "t": multiplier = 1 << 40
        default: break
        }
        if multiplier != 1 { digits.removeLast() }
        guard let value = UInt64(digits), value > 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    package static func describe(_ bytes: UInt64) -> String {
        let units: [(UInt64, String)] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (size, name) in units where bytes >= size {
            if bytes % size == 0 { return "\(bytes / size) \(name)" }
            // From the remainder, so that no product overflows near UInt64.max.
            var whole = bytes / size
            var tenths = ((bytes % size) / (size / 1024) * 10 + 512) / 1024
            if tenths == 10 { whole += 1; tenths = 0 }
            return "\(whole).\(tenths) \(name)"
        }
        return "\(bytes) B"
    }
}
