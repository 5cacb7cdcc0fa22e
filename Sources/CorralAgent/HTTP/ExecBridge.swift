import CorralAPI
import CorralDriver
import Foundation
import HummingbirdWebSocket
import Logging

/// Joins an exec WebSocket to a streaming exec in the task: input frames become the command's
/// stdin and terminal size, its output becomes output frames, and its exit code the last frame.
struct ExecBridge {
    let agent: Agent
    let logger: Logger

    func run(_ request: ExecRequest, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let (stdin, stdinInput) = AsyncStream.makeStream(of: [UInt8].self)
        let session: ExecSession
        do {
            session = try await agent.exec(alloc: request.alloc, task: request.task, command: request.command,
                                           options: ExecOptions(tty: request.tty, stdin: stdin))
        } catch {
            stdinInput.finish()
            await send(ExecOutputFrame(exited: true, result: ExecExitResult(exitCode: 126, error: error.description)), outbound)
            try? await outbound.close(.normalClosure, reason: nil)
            return
        }
        logger.info("exec started", metadata: ["alloc_id": "\(request.alloc)", "command": "\(request.command)"])
        let reader = Task {
            do {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                          let frame = try? JSONDecoder().decode(ExecInputFrame.self, from: Data(text.utf8)) else { continue }
                    if let data = frame.stdin?.data, let bytes = Data(base64Encoded: data) { stdinInput.yield(Array(bytes)) }
                    if frame.stdin?.close == true { stdinInput.finish() }
                    if let size = frame.ttySize { session.resizeTerminal(rows: size.height, columns: size.width) }
                }
            } catch {}
            // The client went away (or closed its side): no more input.
            stdinInput.finish()
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await chunk in session.stdout { await send(ExecOutputFrame(stdout: StreamData(data: Data(chunk).base64EncodedString())), outbound) } }
            group.addTask { for await chunk in session.stderr { await send(ExecOutputFrame(stderr: StreamData(data: Data(chunk).base64EncodedString())), outbound) } }
        }
        let code = await session.exitCode()
        await send(ExecOutputFrame(exited: true, result: ExecExitResult(exitCode: code)), outbound)
        try? await outbound.close(.normalClosure, reason: nil)
        reader.cancel()
        logger.info("exec ended", metadata: ["alloc_id": "\(request.alloc)", "exit_code": "\(code)"])
    }

    private func send(_ frame: ExecOutputFrame, _ outbound: WebSocketOutboundWriter) async {
        guard let data = try? APICoding.encoder().encode(frame) else { return }
        try? await outbound.write(.text(String(decoding: data, as: UTF8.self)))
    }
}
