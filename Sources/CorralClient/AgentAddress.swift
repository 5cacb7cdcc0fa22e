/// Where the agent listens: a unix-domain socket (the default, root only) or a TCP port.
public enum AgentAddress: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    /// The socket `corral agent` listens on unless told otherwise.
    public static let defaultSocketPath = "/run/corral/corral.sock"

    /// The environment variable that names the agent's address when `--address` is not given.
    public static let environmentVariable = "CORRAL_ADDR"

    /// Parses an address as operators write it: `unix:///run/corral/corral.sock`, `unix:relative.sock`,
    /// a path (any value starting with `/`, `./` or `../`), `http://127.0.0.1:4646`, `127.0.0.1:4646`,
    /// `[::1]:4646`.
    public static func parse(_ text: String) throws(AgentClientError) -> AgentAddress {
        let value = text.trimmingWhitespace()
        func invalid(_ reason: String) -> AgentClientError {
            .invalidAddress("invalid agent address \"\(text)\": \(reason)")
        }
        guard !value.isEmpty else { throw invalid("it is empty") }
        if value.hasPrefix("/") || value.hasPrefix("./") || value.hasPrefix("../") {
            return .unix(path: value)
        }
        if value.hasPrefix("unix:") {
            var path = String(value.dropFirst("unix:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw invalid("no socket path after unix:") }
            return .unix(path: path)
        }
        var hostPort = Substring(value)
        if let scheme = value.range(of: "://") {
            let name = value[..<scheme.lowerBound].lowercased()
            guard name == "http" || name == "tcp" else {
                throw invalid("the scheme \(name):// is not supported (use unix://, http:// or host:port)")
            }
            hostPort = value[scheme.upperBound...]
            if hostPort.hasSuffix("/") { hostPort.removeLast() }
        }
        guard !hostPort.contains("/") else { throw invalid("a TCP address is host:port, without a path") }
        let host: Substring, portText: Substring
        if hostPort.hasPrefix("[") {
            // [IPv6]:port
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid("no ] after an IPv6 address") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let rest = hostPort[hostPort.index(after: close)...]
            guard rest.hasPrefix(":") else { throw invalid("no port (expected [host]:port)") }
            portText = rest.dropFirst()
        } else {
            guard let colon = hostPort.lastIndex(of: ":") else {
                throw invalid("expected a unix socket path (/run/corral/corral.sock, unix:///path) or host:port (127.0.0.1:4646)")
            }
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        }
        guard !host.isEmpty else { throw invalid("no host before the port") }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw invalid("\"\(portText)\" is not a port (1-65535)")
        }
        return .tcp(host: String(host), port: port)
    }

    /// `--address` if given, else `$CORRAL_ADDR`, else the default socket. An empty value counts as not given.
    public static func resolve(option: String?, environment: [String: String]) throws(AgentClientError) -> AgentAddress {
        if let option, !option.isEmpty { return try parse(option) }
        if let variable = environment[environmentVariable], !variable.isEmpty { return try parse(variable) }
        return .unix(path: defaultSocketPath)
    }

    /// A path as it was given (`unix:` before a bare relative one), or `host:port`; `parse` reads it back.
    public var description: String {
        switch self {
        case .unix(let path):
            path.hasPrefix("/") || path.hasPrefix("./") || path.hasPrefix("../") ? path : "unix:" + path
        case .tcp(let host, let port):
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// The `Host` header of a request: `localhost` over a unix socket.
    var hostHeader: String {
        switch self {
        case .unix: "localhost"
        case .tcp: description
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
