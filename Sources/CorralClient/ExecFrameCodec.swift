import CorralAPI
import Foundation
import NIOCore
import NIOWebSocket

/// The exec protocol's frames on the wire: `ExecInputFrame` as masked text frames (a client's
/// frames are masked), `ExecOutputFrame` from a message's text; data chunks in base64.
enum ExecFrameCodec {
    static func text(_ frame: ExecInputFrame) throws(AgentClientError) -> WebSocketFrame {
        let data: Data
        do { data = try APICoding.encoder().encode(frame) } catch {
            throw .protocolError("cannot encode an exec frame: \(error)")
        }
        return WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(bytes: data))
    }

    static func stdin(_ bytes: [UInt8]) throws(AgentClientError) -> WebSocketFrame {
        try text(ExecInputFrame(stdin: StreamData(data: Data(bytes).base64EncodedString())))
    }

    static let stdinClose = ExecInputFrame(stdin: StreamData(close: true))

    static func close(code: UInt16 = 1000) -> WebSocketFrame {
        var buffer = ByteBuffer()
        buffer.writeInteger(code)
        return WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: buffer)
    }

    static func pong(answering ping: WebSocketFrame) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: ping.unmaskedData)
    }

    static func output(_ message: [UInt8]) throws(AgentClientError) -> ExecOutputFrame {
        do {
            return try APICoding.decoder().decode(ExecOutputFrame.self, from: Data(message))
        } catch {
            throw .protocolError("an exec message is not an ExecOutputFrame: \(error)")
        }
    }

    /// A chunk's bytes; `.protocolError` when `data` is not base64.
    static func bytes(_ stream: StreamData) throws(AgentClientError) -> [UInt8] {
        guard let text = stream.data, !text.isEmpty else { return [] }
        guard let data = Data(base64Encoded: text) else { throw .protocolError("exec output is not base64") }
        return Array(data)
    }
}
