import CorralHostFS
import NIOCore

/// Raises a flag when the client of a request goes away: its end of the connection closed (the
/// server allows half-closed connections, so this is an event, not a close) or the connection is
/// gone. Nothing else tells a streamed answer that has nothing to write, such as a followed log of
/// a quiet task, that no one is waiting for it any more.
final class ClientDeparture: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    let gone: CancellationFlag

    private init(gone: CancellationFlag) { self.gone = gone }

    /// Watches `channel` while `body` runs; `body` gets the flag to check.
    static func watching<Value: Sendable>(_ channel: any Channel,
                                          _ body: (CancellationFlag) async throws -> Value) async throws -> Value {
        let handler = ClientDeparture(gone: CancellationFlag())
        // First in the pipeline: the end of input is seen before any decoder can hold it back.
        let added = (try? await channel.pipeline.addHandler(handler, position: .first).get()) != nil
        if !channel.isActive { handler.gone.raise() }
        defer {
            if added { channel.pipeline.removeHandler(handler, promise: nil) }
        }
        return try await body(handler.gone)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { gone.raise() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        gone.raise()
        context.fireChannelInactive()
    }
}
