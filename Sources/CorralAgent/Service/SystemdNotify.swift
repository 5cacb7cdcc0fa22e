#if canImport(Glibc)
import Glibc
#endif

/// systemd's readiness protocol (`Type=notify`), without libsystemd: one datagram of `KEY=VALUE`
/// lines to the socket named by `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace).
///
/// The agent takes the variable at start and removes it from its environment, so that nothing it
/// starts can speak for it, and sends `READY=1` once every listener accepts connections. Never
/// blocks: a datagram the manager has no room for is dropped.
package struct SystemdNotify: Sendable {
    /// The socket's address as `$NOTIFY_SOCKET` gave it.
    package let socket: String

    /// The notifier `$NOTIFY_SOCKET` asks for (nil when it is unset or unusable), unset from the
    /// process's environment.
    package static func takeFromEnvironment() -> SystemdNotify? {
        guard let value = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }) else { return nil }
        unsetenv("NOTIFY_SOCKET")
        return SystemdNotify(socket: value)
    }

    /// nil for an address that is neither an absolute path nor `@name`, or too long for a socket address.
    package init?(socket: String) {
        guard socket.hasPrefix("/") || socket.hasPrefix("@"), socket.utf8.count < 108 else { return nil }
        self.socket = socket
    }

    /// Sends `message` (`READY=1`, `STATUS=...` lines); false when it could not be sent.
    @discardableResult
    package func send(_ message: String) -> Bool {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socket.utf8)
        // The abstract namespace: a leading NUL instead of the `@`, and no terminating NUL counted.
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), address, length) }
            }
        }
        return sent == bytes.count
    }
}
