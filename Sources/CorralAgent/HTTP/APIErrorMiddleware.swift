import CorralAPI
import Hummingbird
import Logging
import NIOCore

/// Turns every failure into the API's JSON error body with its status: the agent's own errors,
/// oversize bodies (413), unknown routes (404), and anything unexpected (500, logged).
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let maxRequestBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AgentError {
            return JSONResponse.error(error.body, status: error.status)
        } catch is NIOTooManyBytesError {
            return JSONResponse.error(APIErrorBody(error: "request body is over the limit of \(maxRequestBytes) bytes"),
                                      status: 413)
        } catch let error as HTTPError {
            let message: String
            switch error.status {
            case .notFound: message = error.body ?? "no route \(request.method) \(request.uri.path)"
            default: message = error.body ?? error.status.reasonPhrase
            }
            return JSONResponse.error(APIErrorBody(error: message), status: error.status.code)
        } catch let error as any HTTPResponseError {
            return JSONResponse.error(APIErrorBody(error: "\(error)"), status: error.status.code)
        } catch {
            logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)",
                                                      "error": "\(error)"])
            return JSONResponse.error(APIErrorBody(error: "the agent failed: \(error)"), status: 500)
        }
    }
}
