@testable import CorralAgent
import CorralHostFS
import Foundation
import Synchronization
import Testing

/// The log streamer over rotated files, without an agent: the files of one log read as one
/// sequence, from an offset or from the N-th line from the end.
@Suite struct LogStreamerTests {
    /// `t.stdout.2` (oldest), `t.stdout.1`, `t.stdout` (live) in a temporary directory.
    func withLog(_ parts: [String], _ body: (String) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "corral-logs-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let live = dir + "/t.stdout"
        for (index, part) in parts.enumerated() {
            let number = parts.count - 1 - index
            try part.write(toFile: number == 0 ? live : "\(live).\(number)", atomically: true, encoding: .utf8)
        }
        try await body(live)
    }

    func read(_ path: String, fromEnd: Bool = false, offset: Int = 0, lines: Int? = nil) async throws -> String {
        var streamer = LogStreamer(source: TaskLogSource(path: path, writer: { .finished }), fromEnd: fromEnd,
                                   offset: offset, follow: false)
        streamer.lines = lines
        var bytes: [UInt8] = []
        try await streamer.stream { bytes += $0 }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func rotatedFilesReadAsOneSequence() async throws {
        try await withLog(["a1\na2\n", "b1\nb2\n", "c1\nc2"]) { (path: String) async throws in
            #expect(try await read(path) == "a1\na2\nb1\nb2\nc1\nc2")
            #expect(try await read(path, offset: 4) == "2\nb1\nb2\nc1\nc2")
            #expect(try await read(path, fromEnd: true, offset: 8) == "b2\nc1\nc2")
        }
    }

    @Test func lastLinesAcrossRotations() async throws {
        try await withLog(["a1\na2\n", "b1\nb2\n", "c1\nc2\n"]) { (path: String) async throws in
            #expect(try await read(path, lines: 1) == "c2\n")
            #expect(try await read(path, lines: 3) == "b2\nc1\nc2\n")
            #expect(try await read(path, lines: 5) == "a2\nb1\nb2\nc1\nc2\n")
            #expect(try await read(path, lines: 50) == "a1\na2\nb1\nb2\nc1\nc2\n")
            #expect(try await read(path, lines: 0) == "")
        }
        // A last line without its newline counts as a line.
        try await withLog(["x\n", "y\npartial"]) { (path: String) async throws in
            #expect(try await read(path, lines: 1) == "partial")
            #expect(try await read(path, lines: 2) == "y\npartial")
        }
    }
}

/// A follower whose client has gone stops, though the task still runs and writes nothing (without
/// the flag it would follow until the time limit).
@Suite(.timeLimit(.minutes(1))) struct LogStreamerDepartureTests {
    @Test func aFollowStopsWhenItsClientGoes() async throws {
        let dir = NSTemporaryDirectory() + "corral-logs-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "quiet\n".write(toFile: dir + "/t.stdout", atomically: true, encoding: .utf8)
        let streamer = LogStreamer(source: TaskLogSource(path: dir + "/t.stdout", writer: { .writing }), fromEnd: false,
                                   offset: 0, follow: true)
        let gone = CancellationFlag()
        let following = Task {
            try await streamer.stream(try streamer.prepare(), clientGone: gone) { _ in }
        }
        try await Task.sleep(for: .milliseconds(200))
        gone.raise()
        await #expect(throws: CancellationError.self) { try await following.value }
    }
}

/// A follow asked for before the allocation's log directory is made (right after a submit) waits
/// for it while the task runs, and ends empty when the task finished without making it.
@Suite(.timeLimit(.minutes(1))) struct LogStreamerEarlyFollowTests {
    func withAllocDirectory(_ body: (String) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "corral-early-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(dir)
    }

    @Test func aFollowWaitsForTheLogDirectoryThenReadsTheLog() async throws {
        try await withAllocDirectory { dir in
            let state = Mutex<TaskLogSource.WriterState>(.writing)
            let source = TaskLogSource(allocDir: dir, logDirectory: "alloc/logs", fileName: "t.stdout",
                                       writer: { state.withLock { $0 } })
            let streamer = LogStreamer(source: source, fromEnd: false, offset: 0, follow: true)
            let prepared = try streamer.prepare()
            #expect(prepared.directory == nil)
            let following = Task {
                var bytes: [UInt8] = []
                try await streamer.stream(prepared) { bytes += $0 }
                return String(decoding: bytes, as: UTF8.self)
            }
            try FileManager.default.createDirectory(atPath: dir + "/alloc/logs", withIntermediateDirectories: true)
            try "hello\nworld\n".write(toFile: dir + "/alloc/logs/t.stdout", atomically: true, encoding: .utf8)
            state.withLock { $0 = .finished }
            #expect(try await following.value == "hello\nworld\n")
        }
    }

    @Test func aTaskThatFinishedWithoutALogEndsTheFollowEmpty() async throws {
        try await withAllocDirectory { dir in
            let source = TaskLogSource(allocDir: dir, logDirectory: "alloc/logs", fileName: "t.stdout", writer: { .finished })
            let streamer = LogStreamer(source: source, fromEnd: false, offset: 0, follow: true)
            var bytes: [UInt8] = []
            try await streamer.stream { bytes += $0 }
            #expect(bytes.isEmpty)
            // Without follow a missing log is still an error (the API's 404).
            let once = LogStreamer(source: source, fromEnd: false, offset: 0, follow: false)
            #expect(throws: HostFSError.self) { _ = try once.prepare() }
        }
    }

    @Test func aPlantedLinkWhereTheDirectoryAppearsEndsTheFollowWithAnError() async throws {
        try await withAllocDirectory { dir in
            let state = Mutex<TaskLogSource.WriterState>(.writing)
            let source = TaskLogSource(allocDir: dir, logDirectory: "alloc/logs", fileName: "t.stdout",
                                       writer: { state.withLock { $0 } })
            let streamer = LogStreamer(source: source, fromEnd: false, offset: 0, follow: true)
            let following = Task { try await streamer.stream { _ in } }
            try FileManager.default.createDirectory(atPath: dir + "/alloc", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir + "/alloc/logs", withDestinationPath: "/etc")
            await #expect(throws: HostFSError.self) { try await following.value }
        }
    }
}
