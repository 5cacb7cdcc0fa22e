import CorralAPI
import HTTPTypes
import Hummingbird

/// Lets through only requests that carry the agent's token in `X-Corral-Token` (the TCP
/// listener's access control; the unix socket has its file mode). Compared in constant time.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]
    static var header: HTTPField.Name { HTTPField.Name(APICoding.tokenHeader)! }

    init(token: String) { self.token = Array(token.utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let given = Array((request.headers[Self.header] ?? "").utf8)
        var difference = given.count == token.count ? 0 : 1
        for index in token.indices { difference |= Int(token[index] ^ (index < given.count ? given[index] : 0)) }
        guard difference == 0 else {
            return JSONResponse.error(APIErrorBody(error: "this listener needs the agent's token in \(APICoding.tokenHeader) (the client's --token or CORRAL_TOKEN)"),
                                      status: 401)
        }
        return try await next(request, context)
    }
}
