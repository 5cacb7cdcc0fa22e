#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import NIOSSL

/// Opens one connection to the agent (a unix socket or TCP) on the shared event loop group; a
/// failure to connect is `.unreachable` with the reason in words.
enum AgentConnector {
    static let connectTimeout = TimeAmount.seconds(10)

    static func connect<Output: Sendable>(
        _ address: AgentAddress,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Output>
    ) async throws(AgentClientError) -> Output {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(connectTimeout)
        var tls: NIOSSLContext?
        if case .https(_, _, let caCert) = address { tls = try AgentClientTLS.context(caCert: caCert) }
        do {
            switch address {
            case .unix(let path):
                return try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
            case let .tcp(host, port):
                return try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
            case let .https(host, port, _):
                guard let context = tls else { preconditionFailure("an https address has its TLS context") }
                // SNI takes a name only; for an address the certificate is checked against the peer's address.
                let serverName = AgentClientTLS.isAddressLiteral(host) ? nil : host
                return try await bootstrap.connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    }.flatMap { initializer(channel) }
                }
            }
        } catch {
            throw .unreachable(address: address, reason: reason(error))
        }
    }

    /// A connect error in words: the errno's text for a system error, the first address's for TCP.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as IOError:
            if error.errnoCode == EACCES { return "permission denied: the agent's socket is root's" }
            return String(cString: strerror(error.errnoCode))
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return reason(first.error) }
            if let dns = error.dnsAAAAError ?? error.dnsAError { return "cannot resolve \(error.host): \(dns)" }
            return "cannot connect to \(error.host):\(error.port)"
        case ChannelError.connectTimeout:
            return "timed out after \(connectTimeout.nanoseconds / 1_000_000_000)s"
        case let error as NIOSSLError:
            return "TLS: \(error)"
        case SocketAddressError.unixDomainSocketPathTooLong:
            return "the socket path is too long"
        case let error as SocketAddressError:
            return "\(error)"
        default:
            return "\(error)"
        }
    }
}
