import CorralAPI
import CorralDriver
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading what a request carries: bounded bodies, JSON bodies with field-level errors, query values.
extension Request {
    /// The body, refused early (413) when its declared length is over `limit`, and cut off when
    /// it turns out longer.
    mutating func boundedBody(limit: Int) async throws -> [UInt8] {
        if let declared = headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw NIOTooManyBytesError(maxBytes: limit)
        }
        let buffer = try await collectBody(upTo: limit)
        return Array(buffer.readableBytesView)
    }

    /// A JSON body decoded as `T`; an empty body gives `empty`.
    mutating func jsonBody<T: Decodable>(_ type: T.Type, limit: Int, empty: T) async throws -> T {
        let bytes = try await boundedBody(limit: limit)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return empty }
        do {
            return try APICoding.decoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw AgentError.badRequest("malformed JSON body: \(Self.describe(error))")
        } catch {
            throw AgentError.badRequest("malformed JSON body: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? "" : " at \(keys)"
        }
        switch error {
        case let .typeMismatch(type, context): return "expected \(type)\(path(context)): \(context.debugDescription)"
        case let .valueNotFound(type, context): return "missing \(type)\(path(context))"
        case let .keyNotFound(key, context): return "missing field \"\(key.stringValue)\"\(path(context))"
        case let .dataCorrupted(context): return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        @unknown default: return "\(error)"
        }
    }

    func query(_ name: String) -> String? { uri.queryParameters.get(name) }

    func boolQuery(_ name: String) throws(AgentError) -> Bool {
        guard let text = query(name) else { return false }
        switch text.lowercased() {
        case "true", "1", "yes", "": return true
        case "false", "0", "no": return false
        default: throw AgentError.badRequest("\(name)=\(text): true or false")
        }
    }

    func intQuery(_ name: String, default value: Int) throws(AgentError) -> Int {
        guard let text = query(name) else { return value }
        guard let number = Int(text), number >= 0 else { throw AgentError.badRequest("\(name)=\(text): a whole number, 0 or more") }
        return number
    }

    func durationQuery(_ name: String) throws(AgentError) -> Duration? {
        guard let text = query(name) else { return nil }
        guard let duration = DurationParser.parse(text) else {
            throw AgentError.badRequest("\(name)=\(text): a duration such as 30s or 5m")
        }
        return duration
    }
}

extension RequestContext {
    /// A path segment, percent-decoded (a job named `a b` is `/v1/job/a%20b`).
    func pathParameter(_ name: String) throws(AgentError) -> String {
        guard let raw = parameters.get(name) else { throw AgentError.badRequest("missing \(name) in the path") }
        guard let value = raw.removingPercentEncoding else { throw AgentError.badRequest("\(name) \"\(raw)\": bad percent-encoding") }
        return value
    }
}
