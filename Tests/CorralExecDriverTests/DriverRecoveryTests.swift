import CorralDriver
import CorralExecDriver
import Foundation
import Testing

/// A runner that restarts (or dies) must get its tasks back: same exit codes, no impostors.
@Suite(.serialized, .enabled(if: DriverTests.enabled, DriverTests.comment))
struct DriverRecoveryTests {
    @Test func aRecoveredTaskReportsItsExitToTheNewInstance() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        try #require(mkfifo(fixture.allocDir + "/alloc/data/fifo", 0o666) == 0)
        var first: ExecDriver? = ExecDriver(options: fixture.options)
        let handle = try await first!.start(fixture.task(fixture.shell("echo ready; read line < /alloc/data/fifo; exit 42")))
        #expect(eventually { fixture.stdout().contains("ready") })
        first = nil  // the runner goes away; the task does not

        let second = ExecDriver(options: fixture.options)
        try await second.recover(handle)
        #expect(try await second.inspect(handle.id).state == .running)
        // Let the task finish while the new instance waits.
        try release(fixture.allocDir + "/alloc/data/fifo")
        #expect(try await second.wait(handle.id) == ExitResult(exitCode: 42))
        try await second.destroy(handle.id, force: false)
    }

    /// A start cut between creating the run's parents and the run's own directory: recovery finds no
    /// run, and leaves none of the parents behind either.
    @Test func aStartCutBeforeItsRunDirectoryLeavesNoParentsAfterRecovery() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let allocation = fixture.stateRoot + "/" + fixture.allocID
        try FileManager.default.createDirectory(atPath: allocation + "/web", withIntermediateDirectories: true)
        let driver = ExecDriver(options: fixture.options)
        await #expect(throws: DriverError.self) {
            _ = try await driver.recoverLost(TaskConfig.makeID(allocID: fixture.allocID, task: "web", restart: 0))
        }
        #expect(!FileManager.default.fileExists(atPath: allocation), "the run's empty parents were left")
    }

    @Test func aTaskThatExitedWhileNobodyWatchedReportsItsTrueStatus() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        var first: ExecDriver? = ExecDriver(options: fixture.options)
        let handle = try await first!.start(fixture.task(fixture.shell("exit 43")))
        _ = try await first!.wait(handle.id)
        first = nil
        let second = ExecDriver(options: fixture.options)
        try await second.recover(handle)
        #expect(try await second.inspect(handle.id).state == .exited)
        #expect(try await second.wait(handle.id) == ExitResult(exitCode: 43))
        try await second.destroy(handle.id, force: false)
    }

    @Test func aTaskSurvivesTheSIGKILLOfTheProcessThatStartedIt() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let corral = DriverTests.productsDirectory + "/corral"
        try #require(access(corral, X_OK) == 0, "no corral binary next to the tests")
        let config = fixture.task(fixture.shell("echo before; read line < /alloc/data/fifo; echo after; exit 44"))
        try #require(mkfifo(fixture.allocDir + "/alloc/data/fifo", 0o666) == 0)
        let starter = Process()
        starter.executableURL = URL(fileURLWithPath: corral)
        starter.arguments = ["driver-start", "--driver", "exec", "--state-root", fixture.stateRoot,
                             "--cgroup-parent", fixture.cgroupParent]
        starter.environment = ["CORRAL_SUPERVISOR": DriverTests.productsDirectory + "/corral-supervisor",
                               "CORRAL_INIT": DriverTests.productsDirectory + "/corral-init"]
        let input = Pipe(), output = Pipe()
        starter.standardInput = input
        starter.standardOutput = output
        try starter.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(config))
        try input.fileHandleForWriting.close()
        let line = try #require(readLine(output.fileHandleForReading), "the starter printed no handle")
        let handle = try JSONDecoder().decode(TaskHandle.self, from: Data(line.utf8))
        kill(starter.processIdentifier, SIGKILL)
        starter.waitUntilExit()
        #expect(starter.terminationReason == .uncaughtSignal)

        // The task runs on, and logs, with nobody watching.
        try release(fixture.allocDir + "/alloc/data/fifo")
        let driver = ExecDriver(options: fixture.options)
        try await driver.recover(handle)
        #expect(try await driver.wait(handle.id) == ExitResult(exitCode: 44))
        #expect(fixture.stdout() == "before\nafter\n")
        try await driver.destroy(handle.id, force: false)
    }

    @Test func aHandleWhosePidNowBelongsToAnotherProcessIsRejected() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let driver = ExecDriver(options: fixture.options)
        let real = try await driver.start(fixture.task(fixture.shell("exec sleep 1000")))
        // Another process, unrelated to any task, and a handle as if the task's supervisor had had the
        // bystander's pid and had started a clock tick before it: the pid was reused since.
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
        bystander.arguments = ["1000"]
        try bystander.run()
        defer { kill(bystander.processIdentifier, SIGKILL); bystander.waitUntilExit() }
        let stat = try String(contentsOfFile: "/proc/\(bystander.processIdentifier)/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ")", options: .backwards)!.upperBound...].split(separator: " ")
        let bystanderStart = try #require(Int(fields[19]))
        var state = try #require(try JSONSerialization.jsonObject(with: Data(real.driverState.utf8)) as? [String: Any])
        var supervisor = try #require(state["supervisor"] as? [String: Any])
        supervisor["pid"] = Int(bystander.processIdentifier)
        supervisor["start_time"] = bystanderStart - 1
        state["supervisor"] = supervisor
        state["task"] = supervisor
        state["cgroup"] = NSNull()
        let stale = fixture.stateRoot + "/stale"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        state["state_directory"] = stale
        var forged = real
        forged.config = fixture.task(real.config.driverConfig, restart: 1)
        forged.driverState = String(decoding: try JSONSerialization.data(withJSONObject: state), as: UTF8.self)

        let other = ExecDriver(options: fixture.options)
        await #expect(throws: DriverError.taskNotFound(id: forged.id)) { try await other.recover(forged) }
        #expect(bystander.isRunning, "recovery touched a process that is not the task")
        #expect(!FileManager.default.fileExists(atPath: stale), "the stale state directory was left")
        try await driver.destroy(real.id, force: true)
    }

    @Test func aHandleOfAnotherDriverIsRefused() async throws {
        let fixture = try DriverFixture()
        defer { fixture.finish() }
        let handle = TaskHandle(driver: "mock", config: fixture.task([:]), driverState: "{}")
        await #expect(throws: DriverError.self) { try await ExecDriver(options: fixture.options).recover(handle) }
    }
}

/// One line from a pipe (without the newline), or nil at EOF.
func readLine(_ handle: FileHandle) -> String? {
    var bytes: [UInt8] = []
    while true {
        let chunk = handle.readData(ofLength: 1)
        guard let byte = chunk.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
        if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(byte)
    }
}

/// Writes a line into the fifo the task waits on, once the task has it open for reading.
func release(_ fifo: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    var fd: Int32 = -1
    // Non-blocking: with no reader (the task died) the open fails instead of hanging the test.
    #expect(eventually { fd = open(fifo, O_WRONLY | O_NONBLOCK); return fd >= 0 }, "nobody reads \(fifo)",
            sourceLocation: sourceLocation)
    guard fd >= 0 else { return }
    _ = write(fd, "go\n", 3)
    close(fd)
}
