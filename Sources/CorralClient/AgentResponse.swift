import CorralAPI
import Foundation

/// A whole answer of the agent: its status, its headers (names lowercased, repeated ones joined
/// with `, `) and its body.
package struct AgentResponse: Sendable {
    package var status: Int
    package var headers: [String: String]
    package var body: [UInt8]

    package init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A 2xx status.
    package var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as UTF-8 text (invalid sequences replaced).
    package var text: String { String(decoding: body, as: UTF8.self) }

    /// The error a non-2xx answer stands for: its body as `APIErrorBody`, or its text as `error`
    /// when it is not that JSON (a proxy's page, say).
    package var apiError: AgentClientError {
        if let decoded = try? APICoding.decoder().decode(APIErrorBody.self, from: Data(body)) {
            return .api(status: status, body: decoded)
        }
        let trimmed = text.trimmingWhitespace()
        return .api(status: status, body: APIErrorBody(error: trimmed.isEmpty ? "the agent answered \(status)" : trimmed))
    }

    /// The body decoded as `type`; `.protocolError` naming the type when it does not decode.
    package func decode<Value: Decodable>(_ type: Value.Type) throws(AgentClientError) -> Value {
        do {
            return try APICoding.decoder().decode(Value.self, from: Data(body))
        } catch {
            throw .protocolError("the body is not a \(Value.self): \(error)")
        }
    }
}
