import CorralAPI
import Foundation

/// The agent's client: one connection per request (HTTP/1.1, `Connection: close`) over a unix
/// socket or TCP. Every method throws `AgentClientError` alone; a non-2xx answer is `.api` with
/// the agent's error body.
package final class AgentClient: Sendable {
    package let address: AgentAddress
    /// Sent as `X-Corral-Token` with every request: what an agent listening on TCP requires.
    package let token: String?

    package init(address: AgentAddress, token: String? = nil) {
        self.address = address
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The headers every request carries (the token).
    var commonHeaders: [(String, String)] { token.map { [(APICoding.tokenHeader, $0)] } ?? [] }

    /// Sends a request and returns the whole answer, whatever its status. `path` is sent as it is
    /// (already encoded); `query` values are percent-encoded; `headers` go after the usual ones.
    package func send(method: String, path: String, query: [String: String] = [:], body: [UInt8]? = nil,
                     contentType: String? = nil, headers: [(String, String)] = []) async throws(AgentClientError) -> AgentResponse {
        var request = request(method: method, path: path, query: query, body: body, contentType: contentType)
        request.headers += headers
        return try await HTTPExchange.perform(request, to: address)
    }

    func request(method: String, path: String, query: [String: String], body: [UInt8]?,
                 contentType: String?) -> HTTPExchange.Request {
        var headers = [("Accept", "application/json")] + commonHeaders
        if let contentType { headers.append(("Content-Type", contentType)) }
        return HTTPExchange.Request(method: method, target: QueryString.target(path: path, query: query),
                                    headers: headers, body: body)
    }

    /// A request whose 2xx answer is `Value` in JSON; any other status throws `.api`.
    func call<Value: Decodable>(_ type: Value.Type, _ method: String, _ path: String, query: [String: String] = [:],
                                json body: (some Encodable)? = Optional<AllocTaskRequest>.none)
        async throws(AgentClientError) -> Value {
        var bytes: [UInt8]?
        if let body {
            do { bytes = Array(try APICoding.encoder().encode(body)) } catch {
                throw .protocolError("cannot encode the request body: \(error)")
            }
        }
        let response = try await send(method: method, path: path, query: query, body: bytes,
                                      contentType: bytes == nil ? nil : "application/json")
        guard response.isSuccess else { throw response.apiError }
        return try response.decode(Value.self)
    }

    /// `/v1/<fixed>/<id>[/<suffix>]`: fixed parts verbatim, the id percent-encoded.
    static func path(_ fixed: String, id: String, _ suffix: String? = nil) -> String {
        APICoding.prefix + "/" + fixed + "/" + QueryString.encode(id) + (suffix.map { "/" + $0 } ?? "")
    }
}
