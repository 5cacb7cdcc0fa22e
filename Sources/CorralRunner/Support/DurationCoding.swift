import CorralDriver

/// Durations in the runner's JSON (stored allocations, the debug commands) are integers of
/// nanoseconds, as Nomad writes them; strings in Go syntax (`"5s"`, `"1m30s"`) are read too.
extension KeyedDecodingContainer {
    func decodeDuration(forKey key: Key) throws -> Duration? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let nanoseconds = try? decode(Int64.self, forKey: key) { return .nanoseconds(nanoseconds) }
        let text = try decode(String.self, forKey: key)
        guard let duration = DurationParser.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                   debugDescription: "\"\(text)\" is not a duration (e.g. 5s, 1m30s)")
        }
        return duration
    }
}

extension KeyedEncodingContainer {
    mutating func encodeDuration(_ duration: Duration, forKey key: Key) throws {
        try encode(GoDuration.nanoseconds(duration), forKey: key)
    }
}
