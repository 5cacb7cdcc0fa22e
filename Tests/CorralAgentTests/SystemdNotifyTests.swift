import CorralAgent
import Foundation
import Testing

/// systemd's readiness datagram, to a socket at a path and in the abstract namespace, as systemd
/// binds them; addresses that are neither are refused.
@Suite struct SystemdNotifyTests {
    /// A datagram socket bound at `address` (`@name`: abstract); returns its descriptor.
    static func bind(_ address: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        var path = Array(address.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.bind(fd, $0, length) } }
        try #require(bound == 0, "bind \(address): errno \(errno)")
        return fd
    }

    /// The next datagram on `fd`, waiting at most `seconds`.
    static func receive(_ fd: Int32, seconds: Int32 = 5) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, seconds * 1000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }

    @Test(arguments: ["path", "abstract"])
    func theDatagramArrives(kind: String) throws {
        let name = "corral-notify-\(UUID().uuidString.prefix(8))"
        let address = kind == "path" ? NSTemporaryDirectory() + name : "@" + name
        let fd = try Self.bind(address)
        defer {
            close(fd)
            if kind == "path" { unlink(address) }
        }
        let notify = try #require(SystemdNotify(socket: address))
        #expect(notify.send("READY=1\nSTATUS=listening\n"))
        #expect(Self.receive(fd) == "READY=1\nSTATUS=listening\n")
    }

    @Test func addressesThatAreNeitherAPathNorAbstractAreRefused() {
        #expect(SystemdNotify(socket: "relative/path") == nil)
        #expect(SystemdNotify(socket: "") == nil)
        #expect(SystemdNotify(socket: "/" + String(repeating: "x", count: 120)) == nil)
        // Nobody listening: the send fails, it does not block or crash.
        #expect(SystemdNotify(socket: "/nonexistent/notify")?.send("READY=1") == false)
    }
}
