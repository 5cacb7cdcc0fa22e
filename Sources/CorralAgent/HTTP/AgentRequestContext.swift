import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The context every route gets: WebSocket-capable (for `exec`), and with the request's
/// connection, so that a long answer (a followed log) can stop as soon as its client has gone.
package struct AgentRequestContext: RequestContext, WebSocketRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
