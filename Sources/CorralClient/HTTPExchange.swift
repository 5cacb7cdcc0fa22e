import NIOCore
import NIOHTTP1
import NIOSSL

/// One HTTP/1.1 request on a connection of its own (`Connection: close`): the answer's head as
/// soon as it arrives, then its body as a stream of chunks that ends with the answer.
enum HTTPExchange {
    struct Request: Sendable {
        var method: String
        var target: String
        var headers: [(String, String)]
        var body: [UInt8]?
    }

    /// Sends `request`; returns the answer's head and its body. Abandoning the body stream closes
    /// the connection.
    static func start(_ request: Request, to address: AgentAddress) async throws(AgentClientError)
        -> (head: HTTPResponseHead, body: AsyncThrowingStream<[UInt8], any Error>) {
        let channel = try await AgentConnector.connect(address) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                    wrappingChannelSynchronously: channel)
            }
        }
        let head = requestHead(request, address: address)
        let slot = ResponseHeadSlot()
        let (body, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let task = Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    // One write for the whole request: an agent may answer (and close) as soon as it
                    // has the head of a request without a body, and a separate write of `.end` would
                    // then fail on the closed channel although the answer is there to read.
                    var parts: [HTTPClientRequestPart] = [.head(head)]
                    if let bytes = request.body, !bytes.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: bytes)))) }
                    parts.append(.end(nil))
                    try await outbound.write(contentsOf: parts)
                    for try await part in inbound {
                        switch part {
                        case .head(let response):
                            // 1xx interim answers (100 Continue) precede the real one.
                            if response.status.code < 200 && response.status != .switchingProtocols { continue }
                            slot.resolve(.success(response))
                        case .body(let buffer):
                            continuation.yield(Array(buffer.readableBytesView))
                        case .end:
                            continuation.finish()
                            return
                        }
                    }
                    throw AgentClientError.protocolError(slot.isResolved
                        ? "the connection closed in the middle of the answer's body"
                        : "the connection closed before an answer")
                }
            } catch {
                let failure = describe(error, headReceived: slot.isResolved)
                slot.resolve(.failure(failure))
                continuation.finish(throwing: failure)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        do {
            let response = try await withTaskCancellationHandler {
                try await slot.wait()
            } onCancel: {
                task.cancel()
            }
            return (response, body)
        } catch let error as AgentClientError {
            throw error
        } catch {
            throw describe(error, headReceived: false)
        }
    }

    /// Sends `request` and reads the whole answer.
    static func perform(_ request: Request, to address: AgentAddress) async throws(AgentClientError) -> AgentResponse {
        let (head, body) = try await start(request, to: address)
        var bytes: [UInt8] = []
        do {
            for try await chunk in body { bytes += chunk }
        } catch {
            throw describe(error, headReceived: true)
        }
        return AgentResponse(status: Int(head.status.code), headers: headers(head.headers), body: bytes)
    }

    static func requestHead(_ request: Request, address: AgentAddress) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: address.hostHeader)
        headers.add(name: "User-Agent", value: "corral-client")
        headers.add(name: "Connection", value: "close")
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        if let body = request.body {
            headers.add(name: "Content-Length", value: String(body.count))
        } else if !["GET", "HEAD"].contains(request.method.uppercased()) {
            headers.add(name: "Content-Length", value: "0")
        }
        return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method.uppercased()),
                               uri: request.target, headers: headers)
    }

    /// Header names lowercased; a repeated header's values joined with `, `.
    static func headers(_ headers: HTTPHeaders) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            result[key] = result[key].map { $0 + ", " + value } ?? value
        }
        return result
    }

    /// Any error of an exchange as the client's: its own pass, cancellation and NIO's are described.
    static func describe(_ error: any Error, headReceived: Bool) -> AgentClientError {
        switch error {
        case let error as AgentClientError: return error
        case is CancellationError: return .protocolError("the request was cancelled")
        case HTTPParserError.invalidEOFState:
            return .protocolError(headReceived ? "the connection closed in the middle of the answer's body"
                                  : "the connection closed in the middle of the answer")
        case let error as HTTPParserError: return .protocolError("malformed HTTP answer (\(error))")
        case let error as NIOSSLError: return .protocolError("TLS with the agent failed: \(error)")
        case let error as BoringSSLError: return .protocolError("TLS with the agent failed: \(error)")
        case let error as IOError:
            return .protocolError("the connection failed \(headReceived ? "in the middle of" : "before") the answer: "
                                  + AgentConnector.reason(error))
        case ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed, ChannelError.eof:
            return .protocolError(headReceived ? "the connection closed in the middle of the answer's body"
                                  : "the connection closed before an answer")
        default: return .protocolError("\(error)")
        }
    }
}
