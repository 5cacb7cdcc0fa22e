import CorralAPI
import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket

extension AgentClient {
    /// Runs `command` in a task over `GET /v1/client/allocation/{alloc}/exec` (a WebSocket, see
    /// ExecFrames.swift): sends each `stdin` chunk (base64 in an `ExecInputFrame`) and `stdin.close`
    /// when the stream ends, and each terminal size; hands every stdout/stderr chunk to `output`;
    /// returns the exit code from the final frame. Without `stdin` (and without `tty`), stdin is
    /// closed at once so that the command reads end of file. A result with `error` (the command could not
    /// start) throws `.api` with the status the agent gives (404 unknown allocation or task, 409 not running).
    package func exec(alloc: String, task: String?, command: [String], tty: Bool, stdin: AsyncStream<[UInt8]>?,
                     terminalSizes: AsyncStream<TerminalSize>?,
                     output: @escaping @Sendable (ExecOutputStream, [UInt8]) -> Void) async throws(AgentClientError) -> Int32 {
        let commandJSON: String
        do { commandJSON = String(decoding: try JSONEncoder().encode(command), as: UTF8.self) } catch {
            throw .protocolError("cannot encode the command: \(error)")
        }
        var query = ["command": commandJSON]
        if let task { query["task"] = task }
        if tty { query["tty"] = "true" }
        let target = QueryString.target(path: Self.path("client/allocation", id: alloc, "exec"), query: query)
        let head = HTTPExchange.requestHead(HTTPExchange.Request(method: "GET", target: target, headers: commonHeaders, body: nil),
                                            address: address)
        let upgrade = try await ExecUpgrade.connect(address, head: head)
        switch upgrade {
        case .refused(let channel):
            throw try await ExecUpgrade.refusal(channel)
        case .websocket(let channel):
            return try await ExecSession(channel: channel, output: output).run(stdin: stdin, terminalSizes: terminalSizes, tty: tty)
        }
    }
}

/// The exec request's upgrade: a WebSocket, or the HTTP answer of an agent that refused it.
enum ExecUpgrade: Sendable {
    case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
    case refused(NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>)

    /// Connects and asks for the upgrade (NIO's typed WebSocket client upgrader).
    static func connect(_ address: AgentAddress, head: HTTPRequestHead) async throws(AgentClientError) -> ExecUpgrade {
        var head = head
        head.headers.remove(name: "Connection")  // the upgrader sets `Connection: upgrade`
        let requestHead = head
        let negotiated: EventLoopFuture<ExecUpgrade> = try await AgentConnector.connect(address) { channel in
            channel.eventLoop.makeCompletedFuture {
                let upgrader = NIOTypedWebSocketClientUpgrader<ExecUpgrade>(maxFrameSize: 1 << 24) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        .websocket(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                    }
                }
                let configuration = NIOTypedHTTPClientUpgradeConfiguration<ExecUpgrade>(
                    upgradeRequestHead: requestHead, upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in
                        channel.eventLoop.makeCompletedFuture {
                            .refused(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                        }
                    })
                var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                // Frames the agent sends right behind its 101 (a quick command's output) arrive in the
                // same read as the answer: the HTTP decoder must pass them on, not drop them.
                pipeline.leftOverBytesStrategy = .forwardBytes
                return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
            }
        }
        do {
            return try await negotiated.get()
        } catch {
            throw HTTPExchange.describe(error, headReceived: false)
        }
    }

    /// The error an answer other than `101 Switching Protocols` stands for.
    static func refusal(_ channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>)
        async throws(AgentClientError) -> AgentClientError {
        do {
            return try await channel.executeThenClose { inbound, _ in
                var head: HTTPResponseHead?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let response): head = response
                    case .body(let buffer): body += buffer.readableBytesView
                    case .end:
                        guard let head else { break }
                        let response = AgentResponse(status: Int(head.status.code),
                                                     headers: HTTPExchange.headers(head.headers), body: body)
                        return response.isSuccess
                            ? .protocolError("the agent answered \(head.status.code) instead of switching to a WebSocket")
                            : response.apiError
                    }
                }
                return .protocolError("the connection closed before the exec answer ended")
            }
        } catch {
            throw HTTPExchange.describe(error, headReceived: true)
        }
    }
}
