import CorralAPI
import Foundation
import Hummingbird

/// JSON responses in the API's conventions (`APICoding`).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var data = try APICoding.encoder().encode(value)
        data.append(0x0A)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ body: APIErrorBody, status: Int) -> Response {
        (try? make(body, status: HTTPResponse.Status(code: status)))
            ?? Response(status: HTTPResponse.Status(code: status))
    }
}
