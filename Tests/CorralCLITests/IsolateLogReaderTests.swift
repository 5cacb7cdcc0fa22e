import CCorralHost
import CorralHostFS
import Foundation
import Synchronization
import Testing
@testable import CorralCLI

/// `corral logs`: a task's log from its start, across rotations, links never followed.
@Suite("isolate logs")
struct IsolateLogReaderTests {
    @Test func rotatedFilesComeFirstOldestFirst() throws {
        let fixture = try IsolateFixture()
        defer { fixture.remove() }
        let path = try fixture.task("aaaa00000001", record: nil, files: [
            "stdout.log.3": "one\n", "stdout.log.2": "two\n", "stdout.log.1": "three\n", "stdout.log": "four\n",
            "stderr.log": "err\n",
        ])
        #expect(try Self.copy(path, "stdout.log") == "one\ntwo\nthree\nfour\n")
        #expect(try Self.copy(path, "stderr.log") == "err\n")
        // A link where a rotated file should be is not followed, nor a FIFO read.
        #expect(symlink("/etc/passwd", path + "/stdout.log.4") == 0)
        #expect(mkfifo(path + "/stderr.log.1", 0o600) == 0)
        #expect(try Self.copy(path, "stdout.log") == "one\ntwo\nthree\nfour\n")
        #expect(try Self.copy(path, "stderr.log") == "err\n")
        // No log yet: nothing.
        #expect(try Self.copy(try fixture.task("aaaa00000002", record: nil), "stdout.log") == "")
    }

    @Test func followingGoesAcrossRotationsUntilTheSupervisorExits() async throws {
        let fixture = try IsolateFixture()
        defer { fixture.remove() }
        let path = try fixture.task("aaaa00000001", record: nil, files: ["stdout.log.1": "zero\n", "stdout.log": "one\n"])
        // A stand-in supervisor: writes and rotates as corral-supervisor does (rename the chain, then a
        // new file), at its own pace; the output must be whole and in order whenever the reader looks.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.currentDirectoryURL = URL(fileURLWithPath: path)
        writer.arguments = ["-c", """
            rotate() { [ -e stdout.log.2 ] && mv stdout.log.2 stdout.log.3; [ -e stdout.log.1 ] && mv stdout.log.1 stdout.log.2; \
            mv stdout.log stdout.log.1; : > stdout.log; }
            sleep 0.2; echo two >> stdout.log; rotate; echo three >> stdout.log
            sleep 0.2; rotate; rotate; echo four >> stdout.log; sleep 0.2; echo five >> stdout.log
            """]
        try writer.run()
        let pidfd = corral_pidfd_open(writer.processIdentifier)
        try #require(pidfd >= 0)
        defer { close(pidfd) }
        let directory = try HostDirectory.open(trusted: path)
        let output = try await Self.offPool {
            let collected = Mutex<[UInt8]>([])
            var reader = IsolateLogReader(directory: directory, name: "stdout.log") { bytes in
                collected.withLock { $0 += bytes }
                return true
            }
            _ = reader.follow(supervisorPidfd: pidfd)
            return collected.withLock { String(decoding: $0, as: UTF8.self) }
        }
        writer.waitUntilExit()
        #expect(output == "zero\none\ntwo\nthree\nfour\nfive\n")
    }

    @Test func aReaderThatStopsReadingStopsTheCopy() throws {
        let fixture = try IsolateFixture()
        defer { fixture.remove() }
        let path = try fixture.task("aaaa00000001", record: nil, files: ["stdout.log.1": "a\n", "stdout.log": "b\n"])
        var calls = 0
        var reader = IsolateLogReader(directory: try HostDirectory.open(trusted: path), name: "stdout.log") { _ in
            calls += 1
            return false
        }
        let copied = reader.copyNow()
        #expect(!copied)
        #expect(calls == 1)
    }

    static func copy(_ path: String, _ name: String) throws -> String {
        var bytes: [UInt8] = []
        var reader = IsolateLogReader(directory: try HostDirectory.open(trusted: path), name: name) { chunk in
            bytes += chunk
            return true
        }
        _ = reader.copyNow()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Blocking work (a follow waits in `poll`) on a thread of its own, off the cooperative pool.
    static func offPool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
