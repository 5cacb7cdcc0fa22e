import CorralAPI

/// Why a request to the agent failed. Every error the client throws is one of these: its
/// description is what `corral` prints (after `corral: `).
package enum AgentClientError: Error, Sendable, CustomStringConvertible {
    /// `--address` or `CORRAL_ADDR` is not an address; the value is the whole message.
    case invalidAddress(String)
    /// Nothing accepted the connection (no socket, refused, no permission, timed out).
    case unreachable(address: AgentAddress, reason: String)
    /// The agent answered with a status outside 2xx.
    case api(status: Int, body: APIErrorBody)
    /// A malformed answer, a connection dropped mid-answer, or JSON that does not decode.
    case protocolError(String)

    package var description: String {
        switch self {
        case .invalidAddress(let message):
            return message
        case let .unreachable(address, reason):
            return "no agent answers at \(address) (\(reason)): start one with `corral agent` (as root), "
                + "or point --address or CORRAL_ADDR at a running agent"
        case let .api(_, body):
            var lines = [body.error]
            lines += (body.diagnostics ?? []).map(\.description)
            if let matches = body.matches, !matches.isEmpty { lines.append("matches: " + matches.joined(separator: ", ")) }
            return lines.joined(separator: "\n")
        case .protocolError(let message):
            return "unexpected answer from the agent: \(message)"
        }
    }

    /// The HTTP status of an `.api` error.
    package var status: Int? {
        if case .api(let status, _) = self { return status }
        return nil
    }
}
