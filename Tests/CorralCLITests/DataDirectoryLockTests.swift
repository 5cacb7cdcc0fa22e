@testable import CorralCLI
import Foundation
import Testing

/// `agent.lock`: a live holder refuses a second agent (naming its pid); a holder that is being
/// SIGKILLed does not (the next agent waits for it to be gone instead of failing).
@Suite(.enabled(if: access("/usr/bin/python3", X_OK) == 0, "needs /usr/bin/python3 to hold a POSIX lock"))
struct DataDirectoryLockTests {
    /// A python3 holding a POSIX write lock on `directory/agent.lock` (as an agent does), once it says so.
    static func holder(_ directory: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", """
            import fcntl, os, sys, time
            fd = os.open(sys.argv[1] + "/agent.lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            print("locked", flush=True)
            time.sleep(1000)
            """, directory]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        _ = output.fileHandleForReading.readData(ofLength: 6)
        return process
    }

    @Test func aLiveHolderIsRefusedAndADyingOneIsWaitedFor() throws {
        let directory = NSTemporaryDirectory() + "corral-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let holder = try Self.holder(directory)
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }; holder.waitUntilExit() }

        #expect(throws: CLIFailure.self) { _ = try DataDirectoryLock(directory: directory) }
        do {
            _ = try DataDirectoryLock(directory: directory)
        } catch let failure as CLIFailure {
            #expect(failure.description.contains("pid \(holder.processIdentifier)"), "\(failure.description)")
        }
        // SIGKILL and at once: the lock is taken as soon as the holder is gone.
        kill(holder.processIdentifier, SIGKILL)
        let lock = try DataDirectoryLock(directory: directory)
        lock.release()
    }

    @Test func aProcessIsExitingOnlyWhenItIs() {
        #expect(!DataDirectoryLock.isExiting(getpid()))
        #expect(DataDirectoryLock.isExiting(Int32.max), "a process that does not exist is gone")
    }
}
