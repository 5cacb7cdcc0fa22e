import CorralTestFiles
import Foundation
import Synchronization
import Testing

/// `corral isolate` and the interrupts an operator sends: Ctrl-C and Ctrl-\ through a terminal
/// (script(1) gives corral one), SIGINT to a corral without one, and `--init`. What is checked is what
/// the operator sees: the exit status, what is printed, and how soon the task is gone.
@Suite("Interrupts (root)", .enabled(if: Integration.enabled && FileManager.default.isExecutableFile(atPath: "/usr/bin/script"),
                                     Integration.skipReason.map { Comment(rawValue: $0) } ?? "needs script(1) from util-linux"),
       .timeLimit(.minutes(2)))
struct IsolateInterruptTests {
    static let ctrlC = "\u{03}"
    static let ctrlBackslash = "\u{1c}"

    /// `sleep` as PID 1 has no handler for SIGINT: the kernel would drop it, so the first Ctrl-C kills it.
    @Test func ctrlCKillsACommandThatIsPID1WithoutAHandler() throws {
        let run = try TerminalRun("\(Integration.corral) isolate -- /bin/sh -c 'echo ready; exec sleep 60'")
        try run.waitFor("ready")
        run.type(Self.ctrlC)
        let (status, output) = run.finish()
        #expect(status == 137, "\(output)")
        #expect(output.contains("no handler for SIGINT") && output.contains("killing the task (SIGKILL)"), "\(output)")
    }

    /// Ctrl-\ likewise.
    @Test func ctrlBackslashKillsACommandThatIsPID1WithoutAHandler() throws {
        let run = try TerminalRun("\(Integration.corral) isolate -- /bin/sh -c 'echo ready; exec sleep 60'")
        try run.waitFor("ready")
        run.type(Self.ctrlBackslash)
        let (status, output) = run.finish()
        #expect(status == 137, "\(output)")
        #expect(output.contains("no handler for SIGQUIT"), "\(output)")
    }

    /// A terminal that hangs up (script(1) killed, as a dropped ssh session would be) ends a task that
    /// would drop the hangup: nothing would be left to stop it.
    @Test func aTerminalThatHangsUpEndsATaskThatWouldDropTheHangup() throws {
        let run = try TerminalRun("\(Integration.corral) isolate -- /bin/sh -c 'echo ready; exec sleep 60'")
        try run.waitFor("ready")
        let started = descendants(of: run.process.processIdentifier)
        try #require(started.count >= 3, "corral, its supervisor and the task: \(started)")
        kill(run.process.processIdentifier, SIGKILL)
        #expect(started.allSatisfy { waitForExit(of: $0, timeout: 30) }, "still running: \(started.filter { kill($0, 0) == 0 })")
        _ = run.finish()
    }

    /// Under `--init` the command is not PID 1: the first Ctrl-C ends it as it would on the host.
    @Test func withInitTheFirstCtrlCEndsTheCommand() throws {
        let run = try TerminalRun("\(Integration.corral) isolate --init -- /bin/sh -c 'echo ready; exec sleep 60'")
        try run.waitFor("ready")
        run.type(Self.ctrlC)
        let (status, output) = run.finish()
        #expect(status == 130, "\(output)")
        #expect(!output.contains("killing the task"), "\(output)")
    }

    /// A program that handles Ctrl-C (a shell's trap, an editor) gets every one, however quick.
    @Test func aCommandThatHandlesCtrlCGetsEveryOne() throws {
        let script = "trap \"echo got-int\" INT; echo ready; while :; do sleep 0.2; done"
        let run = try TerminalRun("\(Integration.corral) isolate -- /bin/sh -c '\(script)'")
        try run.waitFor("ready")
        run.type(Self.ctrlC)
        try run.waitFor("got-int")
        run.type(Self.ctrlC)
        try run.waitFor("got-int", count: 2)
        #expect(!run.output.contains("killing the task"), "\(run.output)")
        // The shell has no handler for SIGQUIT: Ctrl-\ ends it.
        run.type(Self.ctrlBackslash)
        let (status, output) = run.finish()
        #expect(status == 137, "\(output)")
    }

    /// Run from a script (a shell without job control: corral shares its process group), Ctrl-C is a key
    /// for the task alone: the script goes on after corral, as it would after any interactive program.
    @Test func ctrlCInATaskRunFromAScriptDoesNotReachTheScript() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/outer.sh"
        try Data("""
            "$1" isolate -- /bin/sh -c 'trap "echo got-int" INT; echo ready; sleep 20; echo inner-done'
            echo "outer-after-$?"

            """.utf8).write(to: URL(fileURLWithPath: script))
        let run = try TerminalRun("/bin/sh \(script) \(Integration.corral)")
        try run.waitFor("ready")
        run.type(Self.ctrlC)
        let (status, output) = run.finish()
        #expect(status == 0, "\(output)")
        #expect(output.contains("got-int") && output.contains("inner-done") && output.contains("outer-after-0"), "\(output)")
    }

    /// Without a terminal: SIGINT goes to the task; a second within a few seconds kills it.
    @Test func aSecondSIGINTSoonAfterTheFirstKillsTheTask() async throws {
        let script = "trap \"echo got-int\" INT; echo ready; while :; do sleep 0.2; done"
        let corral = try StartedCorral(["isolate", "--pid", "host", "--", "/bin/sh", "-c", script])
        #expect(String(decoding: corral.read(until: "ready"), as: UTF8.self).contains("ready"))
        corral.process.interrupt()
        #expect(String(decoding: corral.read(until: "got-int"), as: UTF8.self).contains("got-int"))
        let clock = ContinuousClock()
        let start = clock.now
        corral.process.interrupt()
        let process = corral.process
        try await offCooperativePool { process.waitUntilExit() }
        #expect(process.terminationStatus == 137)
        // Well before the suite's time limit: killed by the second interrupt, not by anything else.
        #expect(clock.now - start < .seconds(60))
    }

    /// `--init` reports a command killed by signal N as 128 + N.
    @Test func initReportsACommandKilledBySIGTERMAs143() throws {
        let result = try corral(["isolate", "--init", "--", "/bin/sh", "-c", "kill -TERM $$; sleep 5"])
        #expect(result.status == 143, "\(result.stderr)")
    }

    /// A misspelt option is a usage error that names the option meant; nothing runs.
    @Test func aMisspeltOptionIsAUsageErrorWithASuggestion() throws {
        let result = try corral(["isolate", "--memry", "64m", "--", "/bin/sh", "-c", "echo ran"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown option '--memry' (did you mean '--memory'?)"), "\(result.stderr)")
        #expect(!result.stdout.contains("ran"))
    }
}

/// A command run on a terminal by script(1), its output gathered as it comes and keys typed into it.
///
/// The command is exec'd by script's shell, so it leads its session and process group as a job an
/// interactive shell starts does, whatever shell `$SHELL` names: dash forks a plain `sh -c CMD` and would
/// leave the command in the shell's group, which changes where the terminal's signal keys go.
final class TerminalRun: Sendable {
    let process: Process
    private let input: Pipe
    private let collected = Mutex(Data())
    private let readerDone = Atomic<Bool>(false)

    init(_ command: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", "exec " + command, "/dev/null"]
        process.environment = ProcessInfo.processInfo.environment.merging(["SHELL": "/bin/sh"]) { $1 }
        let out = Pipe()
        input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        let handle = out.fileHandleForReading
        try process.run()
        Thread.detachNewThread { [self] in
            while case let data = handle.availableData, !data.isEmpty {
                collected.withLock { $0.append(data) }
            }
            readerDone.store(true, ordering: .releasing)
        }
    }

    var output: String { collected.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Waits until `text` has appeared `count` times (30 s at most: an emulated guest is slow).
    func waitFor(_ text: String, count: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let appeared = eventually(timeout: 30) { self.output.components(separatedBy: text).count - 1 >= count }
        try #require(appeared, "\"\(text)\" did not appear \(count) time(s): \(output)", sourceLocation: sourceLocation)
    }

    func type(_ keys: String) {
        input.fileHandleForWriting.write(Data(keys.utf8))
    }

    /// Waits for the command (30 s at most) and returns its status and everything it printed. A command
    /// still running then is killed with everything it started: Foundation learns of script's exit only
    /// once every process that inherited its exit-watch socket is gone, so a task left running (a key the
    /// test sent that never took effect) would hold the whole test run.
    func finish() -> (status: Int32, output: String) {
        if !eventually(timeout: 30, { !self.process.isRunning }) {
            let pid = process.processIdentifier
            for descendant in descendants(of: pid) { kill(descendant, SIGKILL) }
            kill(pid, SIGKILL)
            _ = eventually(timeout: 30) { !self.process.isRunning }
        }
        try? input.fileHandleForWriting.close()
        _ = eventually(timeout: 5) { self.readerDone.load(ordering: .acquiring) }
        return (process.isRunning ? -1 : process.terminationStatus, output)
    }
}

/// Every process descended from `pid` (children first found, then theirs), from `/proc/PID/stat`.
func descendants(of pid: pid_t) -> [pid_t] {
    var parents: [pid_t: pid_t] = [:]
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let child = pid_t(entry), let stat = ProcFile.text("/proc/\(entry)/stat"),
              let close = stat.lastIndex(of: ")") else { continue }
        // After "pid (comm) ": state, then the parent's pid.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 1, let parent = pid_t(fields[1]) { parents[child] = parent }
    }
    var found: [pid_t] = [], frontier: Set<pid_t> = [pid]
    while !frontier.isEmpty {
        let next = parents.filter { frontier.contains($0.value) }.map(\.key)
        found += next
        frontier = Set(next)
    }
    return found
}
