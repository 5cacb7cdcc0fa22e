import CorralAPI
import NIOCore
import NIOWebSocket

/// One exec over an upgraded connection: stdin and terminal sizes go out while the command's
/// output comes in, until the frame with `exited: true`.
struct ExecSession: Sendable {
    let channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
    let output: @Sendable (ExecOutputStream, [UInt8]) -> Void

    func run(stdin: AsyncStream<[UInt8]>?, terminalSizes: AsyncStream<TerminalSize>?, tty: Bool) async throws(AgentClientError) -> Int32 {
        let result: ExecExitResult
        do {
            result = try await channel.executeThenClose { inbound, outbound in
                // Writes may fail once the agent has ended the exec (its last frame is already on
                // the way): a failed write ends that writer only, never the reading of the result.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // The agent starts the command at the first frame (it sends nothing before it:
                    // see ExecBridge), so one goes out at once, whatever else follows.
                    try await outbound.write(try ExecFrameCodec.text(ExecInputFrame()))
                    if let terminalSizes {
                        group.addTask {
                            for await size in terminalSizes {
                                guard (try? await outbound.write(try ExecFrameCodec.text(ExecInputFrame(ttySize: size)))) != nil
                                else { return }
                            }
                        }
                    }
                    if stdin == nil, !tty {
                        // No input: the command reads end of file at once instead of waiting for more.
                        try? await outbound.write(try ExecFrameCodec.text(ExecFrameCodec.stdinClose))
                    }
                    if let stdin {
                        group.addTask {
                            for await chunk in stdin where !chunk.isEmpty {
                                guard (try? await outbound.write(try ExecFrameCodec.stdin(chunk))) != nil else { return }
                            }
                            if !Task.isCancelled { try? await outbound.write(try ExecFrameCodec.text(ExecFrameCodec.stdinClose)) }
                        }
                    }
                    let result = try await receive(inbound, outbound)
                    group.cancelAll()
                    try? await outbound.write(ExecFrameCodec.close())
                    return result
                }
            }
        } catch {
            throw HTTPExchange.describe(error, headReceived: true)
        }
        if let error = result.error {
            // The agent says which status the problem has (older agents did not: guess from the text).
            let status = result.status ?? (error.lowercased().contains("not running") ? 409 : 500)
            throw .api(status: status, body: APIErrorBody(error: error))
        }
        return result.exitCode
    }

    /// Reads messages (text frames, reassembled when fragmented) until the result; answers pings.
    private func receive(_ inbound: NIOAsyncChannelInboundStream<WebSocketFrame>,
                         _ outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>) async throws -> ExecExitResult {
        var message: [UInt8] = []
        for try await frame in inbound {
            switch frame.opcode {
            case .ping:
                try await outbound.write(ExecFrameCodec.pong(answering: frame))
                continue
            case .connectionClose:
                throw AgentClientError.protocolError("the agent closed the exec connection before the command exited")
            case .text, .binary, .continuation:
                message += frame.unmaskedData.readableBytesView
                guard frame.fin else { continue }
            default:
                continue
            }
            defer { message = [] }
            let decoded = try ExecFrameCodec.output(message)
            if let stdout = decoded.stdout {
                let bytes = try ExecFrameCodec.bytes(stdout)
                if !bytes.isEmpty { output(.stdout, bytes) }
            }
            if let stderr = decoded.stderr {
                let bytes = try ExecFrameCodec.bytes(stderr)
                if !bytes.isEmpty { output(.stderr, bytes) }
            }
            if decoded.exited == true {
                return decoded.result ?? ExecExitResult(exitCode: -1, error: "the agent sent no exit result")
            }
        }
        throw AgentClientError.protocolError("the connection closed before the command exited")
    }
}
