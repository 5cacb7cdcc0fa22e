import CorralDriver
import CorralExecDriver
import Foundation
import Testing

/// A task's log on a file system that fills up and frees again (a small tmpfs as alloc/logs): the
/// supervisor drops the output it cannot write, says how much in a marker line once it can write
/// again, and goes on logging; the exit reports the dropped bytes.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct LogSpaceTests {
    @Test func aFullLogFileSystemDropsCountsAndResumes() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let logs = fixture.allocDir + "/alloc/logs"
        try #require(mount("tmpfs", logs, "tmpfs", 0, "size=256k,mode=0755") == 0, "cannot mount a tmpfs: errno \(errno)")
        defer { umount2(logs, Int32(MNT_DETACH)) }
        for fifo in ["full", "freed"] { try #require(mkfifo(fixture.allocDir + "/alloc/data/" + fifo, 0o600) == 0) }
        let script = """
            i=0; while [ $i -lt 100 ]; do echo before-$i; i=$((i+1)); done
            read x < /alloc/data/full
            i=0; while [ $i -lt 8000 ]; do echo dropped-while-full-$i; i=$((i+1)); done
            read x < /alloc/data/freed
            i=0; while [ $i -lt 100 ]; do echo after-$i; i=$((i+1)); done
            exit 3
            """
        let expected = (0..<100).map { "before-\($0)\n" }.joined() + (0..<8000).map { "dropped-while-full-\($0)\n" }.joined()
            + (0..<100).map { "after-\($0)\n" }.joined()
        let driver = ExecDriver(options: fixture.options)
        // Root: the FIFOs above are root's, 0600.
        let handle = try await driver.start(fixture.task(fixture.shell(script), user: "root"))
        #expect(eventually { fixture.stdout().contains("before-99\n") })

        // Fill the file system, let the task write, and wait until the supervisor reports drops.
        let filler = logs + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        let page = [UInt8](repeating: 0x66, count: 4096)
        while page.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        #expect(errno == ENOSPC)
        close(fd)
        try release(fixture.allocDir + "/alloc/data/full")
        let stateDirectory = try #require(try await driver.inspect(handle.id).driverAttributes["state_directory"])
        let diagnostics = { (try? String(contentsOfFile: stateDirectory + "/supervisor.log", encoding: .utf8)) ?? "" }
        #expect(eventually(30) { diagnostics().contains("dropping output until there is room") }, "\(diagnostics())")

        // Room again: the rest is logged, after a marker.
        unlink(filler)
        try release(fixture.allocDir + "/alloc/data/freed")
        let exit = try await driver.wait(handle.id)
        #expect(exit.exitCode == 3)
        let log = fixture.stdout()
        #expect(log.hasPrefix((0..<100).map { "before-\($0)\n" }.joined()))
        #expect(log.hasSuffix((0..<100).map { "after-\($0)\n" }.joined()), "the log did not resume")
        let markers = log.matches(of: #/\[corral: (\d+) bytes of output dropped: [^\]\n]*\]\n/#)
        #expect(markers.count == 1, "markers: \(markers.map { String($0.output.0) })")
        let dropped = markers.compactMap { UInt64($0.output.1) }.reduce(0, +)
        #expect(dropped > 0)
        #expect(exit.logDroppedBytes == dropped, "exit.json reports \(String(describing: exit.logDroppedBytes)), the log \(dropped)")
        // Every byte is either in the log or counted as dropped (a marker may add one newline to end
        // a cut line).
        let logged = log.utf8.count - markers.map { $0.output.0.utf8.count }.reduce(0, +)
        let accounted = logged + Int(dropped)
        #expect(accounted == expected.utf8.count || accounted == expected.utf8.count + markers.count,
                "logged \(logged) + dropped \(dropped) != written \(expected.utf8.count)")
        #expect(diagnostics().contains("bytes of output dropped; logging resumed"), "\(diagnostics())")
        try await driver.destroy(handle.id, force: false)
    }
}
