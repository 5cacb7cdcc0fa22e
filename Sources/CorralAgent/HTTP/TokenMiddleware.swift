import CorralAPI
import HTTPTypes
import Hummingbird

/// Lets through only requests that carry the agent's token (the TCP listener's access control; the
/// unix socket has its file mode): in `X-Corral-Token`, as corral's client sends it, or as
/// `Authorization: Bearer TOKEN`, as Prometheus scrapers and most HTTP tools send it. Compared in
/// constant time.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]
    static var header: HTTPField.Name { HTTPField.Name(APICoding.tokenHeader)! }

    init(token: String) { self.token = Array(token.utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard carriesToken(request.headers) else {
            return JSONResponse.error(APIErrorBody(error: "this listener needs the agent's token in \(APICoding.tokenHeader) "
                                                   + "or as Authorization: Bearer (the client's --token or CORRAL_TOKEN)"),
                                      status: 401)
        }
        return try await next(request, context)
    }

    /// Whether either header holds the token (every value is compared: no early answer on a header's presence).
    func carriesToken(_ headers: HTTPFields) -> Bool {
        var found = false
        for value in headers[values: Self.header] where matches(Array(value.utf8)) { found = true }
        for value in headers[values: .authorization] {
            let bytes = Array(value.utf8)
            // `Bearer` (any case), one or more spaces, the token.
            guard bytes.count > 7, String(decoding: bytes[..<6], as: UTF8.self).lowercased() == "bearer",
                  bytes[6] == UInt8(ascii: " ") else { continue }
            if matches(Array(bytes[7...].drop { $0 == UInt8(ascii: " ") })) { found = true }
        }
        return found
    }

    /// `given` equals the token, in time that depends only on the token's length.
    func matches(_ given: [UInt8]) -> Bool {
        var difference = given.count == token.count ? 0 : 1
        for index in token.indices { difference |= Int(token[index] ^ (index < given.count ? given[index] : 0)) }
        return difference == 0
    }
}
