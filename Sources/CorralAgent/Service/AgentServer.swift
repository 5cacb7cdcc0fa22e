import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The API's listeners: the unix socket (always; mode 0600, its directory created 0700 when
/// missing, a stale socket of a dead agent replaced, a live agent's refused) and a TCP address when
/// the settings name one. Each is a Hummingbird application over the same router.
package struct AgentServer {
    package let settings: AgentSettings
    let router: Router<APIRouter.Context>
    /// The TCP listener's: the same routes behind the token.
    let tcpRouter: Router<APIRouter.Context>?
    let logger: Logger

    package init(agent: Agent, environment: APIRouter.Environment) {
        self.settings = agent.settings
        self.router = APIRouter.build(agent: agent, environment: environment)
        self.tcpRouter = agent.settings.tcpToken.map { APIRouter.build(agent: agent, environment: environment, token: $0) }
        self.logger = environment.logger
    }

    /// Exec frames carry up to 32 KiB of stdin (base64: 43 KiB) from corral's client; 1 MiB leaves
    /// room for other clients' and keeps one frame's memory bounded.
    static let webSocket = HTTP1WebSocketUpgradeChannel.Configuration(ws: WebSocketServerConfiguration(maxFrameSize: 1 << 20))

    /// The listeners as services; prepares the socket path first.
    /// `onListening` is told each address once it accepts connections.
    package func services(onListening: @escaping @Sendable (String) -> Void = { _ in }) throws(AgentServerError) -> [any Service] {
        try UnixSocketPath.prepare(settings.socketPath)
        let socketPath = settings.socketPath
        let logger = self.logger
        var services: [any Service] = []
        if let tcp = settings.tcpAddress {
            guard let tcpRouter, let token = settings.tcpToken else { throw .tcpWithoutToken(address: tcp.description) }
            guard token.count >= AgentSettings.minimumTokenLength else {
                throw .tokenTooShort(address: tcp.description, length: token.count)
            }
            guard tcp.isLoopback || settings.tls != nil else { throw .tcpWithoutTLS(address: tcp.description) }
            var server = HTTPServerBuilder.http1WebSocketUpgrade(webSocketRouter: tcpRouter, configuration: Self.webSocket)
            let scheme = settings.tls == nil ? "http" : "https"
            if let files = settings.tls {
                do { server = try .tls(server, tlsConfiguration: try AgentTLS.serverConfiguration(files)) } catch {
                    throw .tls(reason: "\(error)")
                }
            }
            services.append(Application(router: tcpRouter, server: server,
                                        configuration: ApplicationConfiguration(address: .hostname(tcp.host, port: tcp.port),
                                                                                serverName: "corral"),
                                        onServerRunning: { channel in
                                            let address = channel.localAddress.map { "\($0)" } ?? tcp.description
                                            logger.info("listening", metadata: ["address": "\(address)"])
                                            let host = tcp.host.contains(":") ? "[\(tcp.host)]" : tcp.host
                                            onListening("\(scheme)://\(host):\(channel.localAddress?.port ?? tcp.port)")
                                        },
                                        logger: logger))
        }
        // The socket is bound in a staging directory of its own, mode 0700, where no other user can
        // reach it; made 0600 there, it is renamed into place once it listens, so it is never
        // reachable by anyone else, not even between bind and chmod. (A umask would do it too, but
        // the umask is the whole process's, and the agent is starting tasks meanwhile.)
        let staging = try UnixSocketPath.staging(for: socketPath)
        services.insert(
            Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: Self.webSocket),
                        configuration: ApplicationConfiguration(address: .unixDomainSocket(path: staging.socket),
                                                                serverName: "corral"),
                        onServerRunning: { _ in
                            do { try UnixSocketPath.publish(staging, at: socketPath) } catch {
                                logger.critical("cannot publish the API socket", metadata: ["error": "\(error)"])
                                return
                            }
                            logger.info("listening", metadata: ["address": "unix://\(socketPath)"])
                            onListening("unix://\(socketPath)")
                        },
                        logger: logger),
            at: 0)
        return services
    }
}

/// Why the API cannot listen.
package enum AgentServerError: Error, Equatable, CustomStringConvertible {
    case socketInUse(path: String)
    case socketPath(path: String, operation: String, errno: Int32)
    case tcpWithoutToken(address: String)
    case unsafeSocketDirectory(path: String, directory: String, reason: String)
    case tokenTooShort(address: String, length: Int)
    case tcpWithoutTLS(address: String)
    case tls(reason: String)

    package var description: String {
        switch self {
        case .socketInUse(let path): "another agent is listening on \(path); stop it first or give this one another --listen"
        case let .socketPath(path, operation, code): "cannot prepare the API socket \(path): \(operation): \(String(cString: strerror(code)))"
        case let .unsafeSocketDirectory(path, directory, reason):
            "cannot listen on the API socket \(path): its directory \(directory) \(reason); the socket grants root, so its directory must be the agent's own (owned by root, mode 0700 or 0755)"
        case .tcpWithoutToken(let address):
            "listening on \(address) needs a token (listen { token = \"...\" } in the config, or CORRAL_TOKEN in the agent's environment): without one, any local user could run tasks as root through the port"
        case let .tokenTooShort(address, length):
            "listening on \(address) needs a token of at least \(AgentSettings.minimumTokenLength) characters (listen.token or CORRAL_TOKEN has \(length)): a short one can be guessed, and it grants root"
        case .tcpWithoutTLS(let address):
            "listening on \(address), which is not a loopback address, needs TLS (listen { tls { cert_file = \"...\", key_file = \"...\" } } in the config): without it, the token and every job cross the network in the clear"
        case .tls(let reason):
            "cannot set up TLS for the TCP listener (listen.tls): \(reason)"
        }
    }
}
