/// Durations printed as Go prints them (`15s`, `1m30s`, `30m0s`, `24h0m0s`, `1.5s`, `250ms`), because
/// the event messages and reasons operators know from Nomad read that way. Rounded to the millisecond.
package enum GoDuration {
    package static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        var millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let remainder = attoseconds % 1_000_000_000_000_000
        if remainder * 2 >= 1_000_000_000_000_000 { millis += 1 }
        if millis == 0 { return duration == .zero ? "0s" : format(nanoseconds: Int64(seconds) * 1_000_000_000 + attoseconds / 1_000_000_000) }
        let negative = millis < 0
        millis = abs(millis)
        let sign = negative ? "-" : ""
        if millis < 1000 { return "\(sign)\(millis)ms" }
        let totalSeconds = millis / 1000
        let fraction = millis % 1000
        var secondsText = String(totalSeconds % 60)
        if fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            secondsText += "." + digits
        }
        let minutes = totalSeconds / 60
        if minutes == 0 { return "\(sign)\(secondsText)s" }
        let hours = minutes / 60
        if hours == 0 { return "\(sign)\(minutes)m\(secondsText)s" }
        return "\(sign)\(hours)h\(minutes % 60)m\(secondsText)s"
    }

    private static func format(nanoseconds: Int64) -> String {
        if abs(nanoseconds) >= 1000 { return "\(nanoseconds / 1000)µs" }
        return "\(nanoseconds)ns"
    }

    /// Whole nanoseconds, for the `Details` values Nomad keeps as integers.
    package static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
