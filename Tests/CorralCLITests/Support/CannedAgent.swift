import CorralAPI
import CorralRunner
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A stand-in for the agent in the client's tests: a NIO HTTP/1.1 server on a temporary unix
/// socket answering canned responses (see `CannedHandler.route`), with an exec WebSocket that
/// echoes stdin as stdout.
final class CannedAgent: Sendable {
    let path: String
    /// Holds back the second part of the chunked log answer until a request to `/v1/release`.
    let gate: Gate
    private let channel: any Channel

    private init(path: String, gate: Gate, channel: any Channel) {
        self.path = path
        self.gate = gate
        self.channel = channel
    }

    static func start() async throws -> CannedAgent {
        let path = "/tmp/corral-client-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let gate = Gate()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOWebSocketServerUpgrader(
                        maxFrameSize: 1 << 20,
                        shouldUpgrade: { channel, head in
                            channel.eventLoop.makeSucceededFuture(
                                head.uri.hasPrefix("/v1/client/allocation/running/exec?") ? HTTPHeaders() : nil)
                        },
                        upgradePipelineHandler: { channel, head in
                            channel.eventLoop.makeCompletedFuture {
                                let canned = try channel.pipeline.syncOperations.context(name: "canned")
                                channel.pipeline.syncOperations.removeHandler(context: canned, promise: nil)
                                try channel.pipeline.syncOperations.addHandler(ExecEchoHandler(uri: head.uri))
                            }
                        })
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try channel.pipeline.syncOperations.addHandler(CannedHandler(gate: gate), name: "canned")
                }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        return CannedAgent(path: path, gate: gate, channel: channel)
    }

    func stop() async {
        try? await channel.close()
        unlink(path)
    }

    static let stub = JobStub(id: "web", name: "web", type: .service, status: "running", stopped: false,
                              submitTime: Date(timeIntervalSince1970: 1_780_000_000.25),
                              summary: AllocCounts(pending: 1, running: 2))

    static let diagnostics = APIErrorBody(error: "web.hcl: 2 problems", diagnostics: [
        APIDiagnostic(file: "web.hcl", line: 3, column: 5, message: "unknown attribute \"cuont\"", source: "    cuont = 2"),
        APIDiagnostic(file: "web.hcl", line: 7, column: 1, message: "missing }"),
    ])
}

/// Actions waiting for `release()` (each runs once; after release, at once).
final class Gate: Sendable {
    private let state = Mutex<(released: Bool, waiters: [@Sendable () -> Void])>((false, []))

    func onRelease(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state in
            if state.released { return true }
            state.waiters.append(action)
            return false
        }
        if now { action() }
    }

    func release() {
        let waiters = state.withLock { state in
            state.released = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter() }
    }
}

/// Answers each request by its path, then closes the connection.
final class CannedHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let gate: Gate
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(gate: Gate) { self.gate = gate }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body += buffer.readableBytesView
        case .end:
            guard let head else { return }
            route(context: context, head: head)
        }
    }

    private func route(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = String(head.uri.prefix { $0 != "?" })
        switch (head.method, path) {
        case (.GET, "/v1/jobs"):
            respond(context, .ok, json: [CannedAgent.stub])
        case (.POST, "/v1/jobs"):
            respond(context, .badRequest, json: CannedAgent.diagnostics)
        case (_, "/v1/echo"):
            respond(context, .ok, json: [
                "method": head.method.rawValue, "uri": head.uri, "host": head.headers["host"].first ?? "",
                "content_type": head.headers["content-type"].first ?? "", "body": String(decoding: body, as: UTF8.self),
            ], headers: [("X-Corral-Index", "42"), ("X-Twice", "a"), ("X-Twice", "b")])
        case (.GET, "/v1/job/missing"):
            respond(context, .notFound, json: APIErrorBody(error: "no job \"missing\""))
        case (.GET, "/v1/metrics"):
            respond(context, .badGateway, text: "upstream is down\n")
        case (.GET, "/v1/release"):
            gate.release()
            respond(context, .ok, json: ["released": true])
        case (.GET, "/v1/truncated"):
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "100")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "0123456789")))))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case (.POST, "/v1/client/allocation/abc/signal"), (.POST, "/v1/client/allocation/abc/restart"):
            // Says what it was sent: the request line and the JSON body.
            respond(context, .ok, json: AllocActionResponse(allocID: "abc", tasks: [
                "\(head.method.rawValue) \(head.uri)", String(decoding: body, as: UTF8.self)]))
        case (.GET, "/v1/allocation/abc"):
            respond(context, .notFound, json: APIErrorBody(error: head.uri))
        case (.GET, "/v1/client/fs/logs/abc"):
            streamLog(context, query: head.uri)
        case (.GET, "/v1/client/allocation/missing/exec"):
            respond(context, .notFound, json: APIErrorBody(error: "no allocation \"missing\""))
        default:
            respond(context, .notFound, json: APIErrorBody(error: "no route \(head.method.rawValue) \(path)"))
        }
    }

    /// A chunked answer in two parts: the first at once, the second once the gate opens. The first
    /// line says the query the client sent.
    private func streamLog(_ context: ChannelHandlerContext, query: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/octet-stream")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "first \(query)\n")))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let out = NIOLoopBound(self, eventLoop: context.eventLoop)
        gate.onRelease {
            bound.eventLoop.execute {
                let context = bound.value, handler = out.value
                context.write(handler.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "second\n")))), promise: nil)
                context.writeAndFlush(handler.wrapOutboundOut(.end(nil)))
                    .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, json value: some Encodable,
                         headers extra: [(String, String)] = []) {
        let data = (try? APICoding.encoder().encode(value)) ?? Data()
        respond(context, status, bytes: Array(data), type: "application/json", headers: extra)
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, text: String) {
        respond(context, status, bytes: Array(text.utf8), type: "text/plain", headers: [])
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, bytes: [UInt8], type: String,
                         headers extra: [(String, String)]) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(bytes.count))
        headers.add(name: "Connection", value: "close")
        for (name, value) in extra { headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

/// The exec WebSocket's far end: pings first, echoes stdin as stdout, reports each terminal size
/// on stderr (`size 24x80`), and exits 3 at `stdin.close`. The command `["nostart"]` cannot start:
/// its result carries an error at once.
final class ExecEchoHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let uri: String

    init(uri: String) { self.uri = uri }

    func handlerAdded(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "hi"))),
                              promise: nil)
        if uri.contains("command=%5B%22nostart%22%5D") {
            send(context, ExecOutputFrame(exited: true, result: ExecExitResult(exitCode: -1, error: "task \"web\" is not running")))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .connectionClose:
            context.close(promise: nil)
        case .text:
            guard let input = try? APICoding.decoder().decode(ExecInputFrame.self, from: Data(frame.unmaskedData.readableBytesView))
            else { return }
            if let size = input.ttySize {
                send(context, ExecOutputFrame(stderr: StreamData(data: Data("size \(size.height)x\(size.width)".utf8).base64EncodedString())))
            }
            if let data = input.stdin?.data {
                send(context, ExecOutputFrame(stdout: StreamData(data: data)))
            }
            if input.stdin?.close == true {
                send(context, ExecOutputFrame(exited: true, result: ExecExitResult(exitCode: 3)))
            }
        default:
            break
        }
    }

    private func send(_ context: ChannelHandlerContext, _ frame: ExecOutputFrame) {
        let data = (try? APICoding.encoder().encode(frame)) ?? Data()
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: data))), promise: nil)
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String { "timed out" }
}

/// Runs `operation`, failing with `TimedOut` after `seconds` (a test must fail, not hang).
func withTimeout<Value: Sendable>(_ seconds: Int = 10, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
    try await withThrowingTaskGroup(of: Value.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
