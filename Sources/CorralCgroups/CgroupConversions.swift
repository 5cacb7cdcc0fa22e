#if canImport(Glibc)
import Glibc
#endif

/// Unit conversions between corral's limits and the values cgroup files take.
package enum CgroupConversions {
    /// cgroup v1 CPU shares → cgroup v2 `cpu.weight`, with the formula runc and crun use today: a
    /// quadratic in log2(shares) that maps 2 → 1, 1024 → 100 and 262144 → 10000, so relative weights
    /// keep the proportions they had under v1 at the common values.
    package static func cpuWeight(shares: UInt64) -> UInt64 {
        if shares == 0 { return 0 }
        if shares <= 2 { return 1 }
        if shares >= 262_144 { return 10_000 }
        let l = log2(Double(shares))
        let exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0
        return UInt64(ceil(pow(10, exponent)))
    }

    /// A byte count as a v2 file value: the number, or `max`.
    package static func v2Value(_ bytes: UInt64?) -> String {
        bytes.map(String.init) ?? "max"
    }
}
