/// Where the agent listens: a unix-domain socket (the default, root only) or a TCP port.
package enum AgentAddress: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)
    /// TCP with TLS: the agent's certificate is checked against `caCert` (a PEM file), or against
    /// the system's roots when nil, and must name `host`.
    case https(host: String, port: Int, caCert: String? = nil)

    /// The socket `corral agent` listens on unless told otherwise.
    package static let defaultSocketPath = "/run/corral/corral.sock"

    /// The environment variable that names the agent's address when `--address` is not given.
    package static let environmentVariable = "CORRAL_ADDR"
    /// The environment variable that names the CA certificate of an `https://` agent when `--ca-cert` is not given.
    package static let caCertVariable = "CORRAL_CACERT"

    /// Parses an address as operators write it: `unix:///run/corral/corral.sock`, `unix:relative.sock`,
    /// a path (any value starting with `/`, `./` or `../`), `http://127.0.0.1:4646`, `127.0.0.1:4646`,
    /// `[::1]:4646`, `https://agent.example:4646` (TLS).
    package static func parse(_ text: String) throws(AgentClientError) -> AgentAddress {
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
        var secure = false
        if let scheme = value.range(of: "://") {
            let name = value[..<scheme.lowerBound].lowercased()
            guard name == "http" || name == "tcp" || name == "https" else {
                throw invalid("the scheme \(name):// is not supported (use unix://, http://, https:// or host:port)")
            }
            secure = name == "https"
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
        return secure ? .https(host: String(host), port: port) : .tcp(host: String(host), port: port)
    }

    /// `--address` if given, else `$CORRAL_ADDR`, else the default socket; an `https://` one trusts
    /// `--ca-cert` if given, else `$CORRAL_CACERT`, else the system's roots. An empty value counts as not given.
    package static func resolve(option: String?, caCert: String? = nil, environment: [String: String]) throws(AgentClientError)
        -> AgentAddress {
        let address: AgentAddress
        if let option, !option.isEmpty {
            address = try parse(option)
        } else if let variable = environment[environmentVariable], !variable.isEmpty {
            address = try parse(variable)
        } else {
            address = .unix(path: defaultSocketPath)
        }
        guard case let .https(host, port, _) = address else { return address }
        let file = [caCert, environment[caCertVariable]].compactMap { $0 }.first { !$0.isEmpty }
        return .https(host: host, port: port, caCert: file)
    }

    /// A path as it was given (`unix:` before a bare relative one), or `host:port`; `parse` reads it back.
    package var description: String {
        switch self {
        case .unix(let path):
            path.hasPrefix("/") || path.hasPrefix("./") || path.hasPrefix("../") ? path : "unix:" + path
        case .tcp(let host, let port):
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .https(let host, let port, _):
            "https://" + AgentAddress.tcp(host: host, port: port).description
        }
    }

    /// The `Host` header of a request: `localhost` over a unix socket.
    var hostHeader: String {
        switch self {
        case .unix: "localhost"
        case .tcp: description
        case let .https(host, port, _): AgentAddress.tcp(host: host, port: port).description
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
