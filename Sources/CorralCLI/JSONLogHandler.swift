import Foundation
import Logging
import Synchronization

/// The agent's log lines as one JSON object each on stderr (`log_format = "json"`), for collectors
/// (journald's JSON export, Loki, Fluent Bit): `time` (RFC 3339, UTC, milliseconds), `level`, `label`,
/// `message`, `source`, and the metadata as string fields under `metadata`. A line is written whole,
/// under a lock shared by every handler, so lines from concurrent loggers never interleave.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    private static let output = Mutex(FileHandle.standardError)

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        let line = Self.line(time: Date(), level: level, label: label, message: message.description, source: source,
                             metadata: merged)
        Self.output.withLock { try? $0.write(contentsOf: Data(line.utf8)) }
    }

    /// One log line, newline included; keys sorted so that lines compare and diff well.
    static func line(time: Date, level: Logger.Level, label: String, message: String, source: String,
                     metadata: Logger.Metadata) -> String {
        struct Line: Encodable {
            let time: String
            let level: String
            let label: String
            let message: String
            let source: String
            let metadata: [String: String]?
        }
        let value = Line(time: time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
                         level: level.rawValue, label: label, message: message, source: source,
                         metadata: metadata.isEmpty ? nil : metadata.mapValues { "\($0)" })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
