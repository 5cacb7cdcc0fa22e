import Foundation
import Testing

/// `Type=notify`: the agent tells the service manager it is ready with one datagram on
/// `$NOTIFY_SOCKET`, sent once its API socket answers, carrying its pid.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(2)))
struct AgentReadinessTests {
    @Test func readyIsSentOnceTheAPIListens() throws {
        let notifySocket = NSTemporaryDirectory() + "corral-notify-\(UUID().uuidString.prefix(8))"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd); unlink(notifySocket) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(notifySocket.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "bind: errno \(errno)")

        let agent = AgentUnderTest()
        try agent.start(environment: ["NOTIFY_SOCKET": notifySocket])
        defer { agent.forceCleanup() }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        try #require(poll(&poller, 1, 30_000) == 1, "no readiness datagram within 30 s")
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        let message = String(decoding: buffer[..<max(count, 0)], as: UTF8.self)
        let lines = message.split(separator: "\n").map(String.init)
        #expect(lines.contains("READY=1"), "\(message)")
        #expect(lines.contains("MAINPID=\(agent.pid)"), "\(message)")
        #expect(lines.contains { $0.hasPrefix("STATUS=listening on unix://") }, "\(message)")
        // Sent once: nothing more arrives.
        poller.revents = 0
        #expect(poll(&poller, 1, 500) == 0)
    }
}
