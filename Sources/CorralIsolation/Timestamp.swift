#if canImport(Glibc)
import Glibc
#endif

/// RFC 3339 UTC timestamps with nanoseconds. Plain arithmetic (days to civil date, after
/// Howard Hinnant's algorithm): `gmtime_r` would first read /etc/localtime, which UTC never needs.
package enum Timestamp {
    package static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    package static func format(seconds: Int, nanoseconds: Int) -> String {
        var days = seconds / 86400
        var rem = seconds % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):"
            + "\(pad(rem % 60, 2)).\(pad(nanoseconds, 9))Z"
    }
}
