import Foundation

/// The JSON conventions of the agent's API, shared by the agent and its clients: snake_case keys
/// (spelled out in each type's `CodingKeys`), times as RFC 3339 with fractional seconds (a task's
/// `Started` event and the request that caused it are milliseconds apart; whole seconds would hide it).
package enum APICoding {
    /// The path prefix of every route.
    package static let prefix = "/v1"
    /// Response header carrying an allocation's modify index (for blocking queries with `index=`).
    package static let indexHeader = "X-Corral-Index"
    /// Request header with the agent's token: required on TCP listeners (the unix socket's mode is
    /// its access control).
    package static let tokenHeader = "X-Corral-Token"

    package static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Self.timeFormat))
        }
        return encoder
    }

    package static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Self.timeFormat.parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
        }
        return decoder
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
