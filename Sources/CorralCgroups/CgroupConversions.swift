#if canImport(Glibc)
import Glibc
#endif

/// Unit conversions between corral's limits and the values cgroup files take.
public enum CgroupConversions {
    /// cgroup v1 CPU shares → cgroup v2 `cpu.weight`, with the formula runc and crun use today: a
    /// quadratic in log2(shares) that maps 2 → 1, 1024 → 100 and 262144 → 10000, so relative weights
    /// keep the proportions they had under v1 at the common values.
    public static func cpuWeight(shares: UInt64) -> UInt64 {
        if shares == 0 { return 0 }
        if shares <= 2 { return 1 }
        if shares >= 262_144 { return 10_000 }
        let l = log2(Double(shares))
        let exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0
        return UInt64(ceil(pow(10, exponent)))
    }

    /// A byte count as a v2 file value: the number, or `max`.
    public static func v2Value(_ bytes: UInt64?) -> String {
        bytes.map(String.init) ?? "max"
    }
}

/// Human-readable byte counts for messages: `64 MiB`, `1.5 GiB`, `512 B`.
public enum ByteCount {
    public static func describe(_ bytes: UInt64) -> String {
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
