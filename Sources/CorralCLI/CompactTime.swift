import Foundation

/// Times for people, in the local time zone and only as long as they need to be: `10:00:01` today,
/// `Nov 29 10:00:01` this year, `2025-11-29 10:00:01` before.
enum CompactTime {
    static func format(_ date: Date, now: Date = Date(), timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.locale = Locale(identifier: "en_US_POSIX")
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let today = calendar.dateComponents([.year, .month, .day], from: now)
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        let time = "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))"
        if parts.year == today.year, parts.month == today.month, parts.day == today.day { return time }
        if parts.year == today.year {
            let month = calendar.shortMonthSymbols[(parts.month ?? 1) - 1]
            return "\(month) \(two(parts.day)) \(time)"
        }
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day)) \(time)"
    }

    /// `-` for no time.
    static func format(_ date: Date?, now: Date = Date(), timeZone: TimeZone = .current) -> String {
        date.map { format($0, now: now, timeZone: timeZone) } ?? "-"
    }
}
