import CorralDriver
import CorralExecDriver
import Foundation
import Testing

/// Task logs under alloc/logs, rotated by size, followable with `tail -F`.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct DriverLogTests {
    /// `seq 1 N` as the task prints it.
    static func sequence(_ range: ClosedRange<Int>) -> String {
        range.map { "\($0)\n" }.joined()
    }

    @Test func logsRotateBySizeKeepingTheNewestFiles() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        // 3,500,000 lines: 26.9 MB (25.6 MiB).
        let handle = try await driver.start(fixture.task(["command": .string("seq"), "args": .list([.string("1"), .string("3500000")])],
                                                         logging: LogConfig(maxFiles: 3, maxFileSizeMiB: 1)))
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 0))
        let logs = fixture.allocDir + "/alloc/logs"
        let files = try FileManager.default.contentsOfDirectory(atPath: logs).sorted()
        #expect(files == ["web.stdout", "web.stdout.1", "web.stdout.2"])
        var kept = ""
        for name in ["web.stdout.2", "web.stdout.1", "web.stdout"] {
            let text = try String(contentsOfFile: logs + "/" + name, encoding: .utf8)
            let size = text.utf8.count
            // Rotated files are full to the last whole line; the live one is the rest.
            #expect(size <= 1 << 20 && (name == "web.stdout" || size > (1 << 20) - 16), "\(name) holds \(size) bytes")
            #expect(text.hasSuffix("\n"), "\(name) does not end at a line")
            kept += text
        }
        // The newest bytes, whole lines, in order, ending with the last line.
        let lines = kept.split(separator: "\n").compactMap { Int($0) }
        let first = try #require(lines.first)
        #expect(lines == Array(first...3_500_000))
        try await driver.destroy(handle.id, force: false)
    }

    @Test func aReaderFollowingTheLiveFileSeesEveryLineOnceInOrder() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let log = fixture.stdoutLog
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: "/usr/bin/tail")
        tail.arguments = ["-F", "-n", "+1", "-s", "0.02", log]
        let output = Pipe()
        tail.standardOutput = output
        tail.standardError = FileHandle.nullDevice
        try tail.run()
        // SIGKILL: the test process may hand its children a mask that blocks SIGTERM.
        defer { if tail.isRunning { kill(tail.processIdentifier, SIGKILL) } }
        let collected = OutputCollector(output.fileHandleForReading)

        let driver = ExecDriver(options: fixture.options)
        // 800,000 lines (5.9 MB) in 80 bursts: the 1 MiB file rotates five times while tail follows it.
        let script = "i=0; while [ $i -lt 80 ]; do seq $((i*10000+1)) $((i*10000+10000)); i=$((i+1)); sleep 0.02; done"
        let handle = try await driver.start(fixture.task(fixture.shell(script), logging: LogConfig(maxFiles: 3, maxFileSizeMiB: 1)))
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 0))
        #expect(eventually(30) { collected.text.hasSuffix("\n800000\n") }, "tail never saw the last line")
        kill(tail.processIdentifier, SIGKILL)
        tail.waitUntilExit()
        let seen = collected.text.split(separator: "\n").compactMap { Int($0) }
        let missing = Set(1...800_000).subtracting(seen).count
        #expect(seen == Array(1...800_000), "the follower saw \(seen.count) lines, \(missing) missing")
        try await driver.destroy(handle.id, force: false)
    }

    /// alloc/logs is the task's to write: what it puts there must not steer the supervisor (root).
    @Test func aTaskCannotRedirectOrBlockTheLogsOfItsNextRun() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let elsewhere = fixture.allocDir + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        // Run 0 turns its log directory into a symlink to a host directory.
        // As root: the worst a job can ask for.
        let first = try await driver.start(fixture.task(fixture.shell(
            "mv /alloc/logs /alloc/logs.old && ln -s \(elsewhere) /alloc/logs"), user: "root"))
        #expect(try await driver.wait(first.id) == ExitResult(exitCode: 0))
        try await driver.destroy(first.id, force: false)
        do {
            let second = try await driver.start(fixture.task(fixture.shell("echo written"), restart: 1))
            _ = try await driver.wait(second.id)
            try await driver.destroy(second.id, force: false)
            Issue.record("a start through a symlinked log directory succeeded")
        } catch {
            #expect(error.description.contains("log directory"), "\(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere) == [])

        // Run 2 (with the directory back) leaves a fifo where the next run's log goes.
        try FileManager.default.removeItem(atPath: fixture.allocDir + "/alloc/logs")
        try FileManager.default.moveItem(atPath: fixture.allocDir + "/alloc/logs.old", toPath: fixture.allocDir + "/alloc/logs")
        let third = try await driver.start(fixture.task(fixture.shell(
            "rm -f /alloc/logs/web.stdout && mkfifo /alloc/logs/web.stdout"), restart: 2))
        #expect(try await driver.wait(third.id) == ExitResult(exitCode: 0))
        try await driver.destroy(third.id, force: false)
        // The next run's output is dropped (said so in its supervisor.log, and counted in its exit: the
        // runner's Log Output Dropped event), but it runs and ends.
        let fourth = try await driver.start(fixture.task(fixture.shell("echo into the fifo; exit 6"), restart: 3))
        let result = (await withDeadline(.seconds(10)) { try? await driver.wait(fourth.id) }) ?? nil
        #expect(result?.exitCode == 6 && result?.signal == 0, "a fifo in alloc/logs held up the supervisor: \(String(describing: result))")
        #expect(result?.logDroppedBytes == UInt64("into the fifo\n".utf8.count), "\(String(describing: result))")
        try await driver.destroy(fourth.id, force: true)
    }
}

/// Reads a pipe to EOF on a thread of its own.
final class OutputCollector: @unchecked Sendable {
    // Safe: `data` is only touched under `lock`.
    private let lock = NSLock()
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { data += chunk }
            }
        }
    }

    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}
