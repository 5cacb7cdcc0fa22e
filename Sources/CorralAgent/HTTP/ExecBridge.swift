import CorralAPI
import CorralDriver
import Foundation
import HummingbirdWebSocket
import Logging
import Synchronization

/// Joins an exec WebSocket to a streaming exec in the task: input frames become the command's
/// stdin and terminal size, its output becomes output frames, and its exit code the last frame.
///
/// Nothing is sent before the client's first frame (clients send one at once: a terminal size, stdin,
/// or `{}`). Frames sent right behind the `101 Switching Protocols` answer can arrive before the
/// client's side has finished switching, and be lost; once the client has written a frame through
/// its WebSocket pipeline, that switch is over on both sides.
struct ExecBridge {
    let agent: Agent
    let logger: Logger

    func run(_ request: Result<ExecRequest, AgentError>, inbound: WebSocketInboundStream,
             outbound: WebSocketOutboundWriter) async {
        let (frames, frameInput) = AsyncStream.makeStream(of: ExecInputFrame.self)
        let firstFrame = OneShot<Bool>()
        // Reads the client's frames for the whole session; its end (the client's close, or the
        // connection gone) ends the stream, and with it the command's stdin.
        let reader = Task {
            do {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    firstFrame.resolve(true)
                    guard case .text(let text) = message,
                          let frame = try? JSONDecoder().decode(ExecInputFrame.self, from: Data(text.utf8)) else { continue }
                    frameInput.yield(frame)
                }
            } catch {}
            firstFrame.resolve(false)
            frameInput.finish()
        }
        guard await firstFrame.value() else { return await reader.value }

        let exec: ExecRequest
        let session: ExecSession
        let (stdin, stdinInput) = AsyncStream.makeStream(of: [UInt8].self)
        do {
            exec = try request.get()
            session = try await agent.exec(alloc: exec.alloc, task: exec.task, command: exec.command,
                                           options: ExecOptions(tty: exec.tty, stdin: stdin))
        } catch {
            stdinInput.finish()
            await send(ExecOutputFrame(exited: true, result: ExecExitResult(exitCode: 126, error: error.description,
                                                                             status: error.status)), outbound)
            try? await outbound.close(.normalClosure, reason: nil)
            return await reader.value
        }
        logger.info("exec started", metadata: ["alloc_id": "\(exec.alloc)", "command": "\(exec.command)"])
        // The agent ends the command when it shuts down (an exec must not hold up a restart).
        let registration = await agent.register(session)
        let exited = Mutex(false)
        let pump = Task {
            for await frame in frames {
                if let data = frame.stdin?.data, let bytes = Data(base64Encoded: data) { stdinInput.yield(Array(bytes)) }
                if frame.stdin?.close == true { stdinInput.finish() }
                if let size = frame.ttySize { session.resizeTerminal(rows: size.height, columns: size.width) }
            }
            // The client went away (or closed its side): no more input, and a command still running
            // has nobody to answer to: it is killed (with or without a terminal).
            stdinInput.finish()
            if !exited.withLock({ $0 }) { session.terminate() }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await chunk in session.stdout { await send(ExecOutputFrame(stdout: Self.data(chunk)), outbound) } }
            group.addTask { for await chunk in session.stderr { await send(ExecOutputFrame(stderr: Self.data(chunk)), outbound) } }
        }
        let code = await session.exitCode()
        exited.withLock { $0 = true }
        await agent.unregister(registration)
        await send(ExecOutputFrame(exited: true, result: ExecExitResult(exitCode: code)), outbound)
        try? await outbound.close(.normalClosure, reason: nil)
        // The client answers the close; its reply (and anything it sent meanwhile) is read before the
        // connection goes: a unix socket closed with unread data resets, and the client could lose
        // the last frames.
        await reader.value
        await pump.value
        logger.info("exec ended", metadata: ["alloc_id": "\(exec.alloc)", "exit_code": "\(code)"])
    }

    private static func data(_ chunk: [UInt8]) -> StreamData { StreamData(data: Data(chunk).base64EncodedString()) }

    private func send(_ frame: ExecOutputFrame, _ outbound: WebSocketOutboundWriter) async {
        guard let data = try? APICoding.encoder().encode(frame) else { return }
        try? await outbound.write(.text(String(decoding: data, as: UTF8.self)))
    }
}
