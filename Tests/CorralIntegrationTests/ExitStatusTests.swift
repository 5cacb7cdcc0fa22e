import CorralTestFiles
import Foundation
import Testing

/// corral's exit status is the task's: its code, 128+N for signal N, 125/126/127 for start failures.
@Suite("Exit status (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct ExitStatusTests {
    @Test(arguments: [0, 3, 255])
    func exitCodesPassThrough(code: Int32) throws {
        #expect(try isolatedShell("exit \(code)").status == code)
    }

    @Test func deathBySignalIs128PlusTheSignal() throws {
        // With a shared pid namespace the shell is not pid 1, so its default SIGTERM action applies.
        #expect(try isolatedShell("kill -TERM $$", options: ["--pid", "host"]).status == 128 + 15)
        #expect(try isolatedShell("kill -KILL $$", options: ["--pid", "host"]).status == 128 + 9)
    }

    @Test func missingCommandIs127() throws {
        let absolute = try corral(["isolate", "--", "/bin/nosuch"])
        #expect(absolute.status == 127)
        #expect(absolute.stderr == "corral: cannot start task: exec \"/bin/nosuch\": No such file or directory (stage exec)\n")
        let searched = try corral(["isolate", "--", "nosuch-command"])
        #expect(searched.status == 127)
        #expect(searched.stderr.contains("\"nosuch-command\""))
    }

    @Test func notExecutableIs126() throws {
        let result = try corral(["isolate", "--", "/etc/passwd"])
        #expect(result.status == 126)
        #expect(result.stderr.contains("Permission denied (stage exec)"))
        // Executable bits but no known format (no #!, not ELF): ENOEXEC, also 126.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ExecutableFile.write([0, 1, 2, 3, 4, 5], to: dir + "/garbage")
        let garbage = try corral(["isolate", "--bind", "\(dir):/x:ro", "--", "/x/garbage"])
        #expect(garbage.status == 126)
        #expect(garbage.stderr.contains("Exec format error (stage exec)"))
    }

    @Test func commandsAreSearchedInTheTasksPath() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ExecutableFile.write("#!/bin/sh\necho hi from opt\n", to: dir + "/hello")
        let result = try corral(["isolate", "--bind", "\(dir):/opt/bin:ro", "--env", "PATH=/opt/bin:/usr/bin:/bin", "--", "hello"])
        #expect(result.status == 0)
        #expect(result.stdout == "hi from opt\n")
        #expect(try corral(["isolate", "--", "hello"]).status == 127, "not in the default PATH")
    }

    @Test func missingRootfsIs125WithAClearMessage() throws {
        let result = try corral(["isolate", "--rootfs", "/nonexistent/rootfs", "--", "/bin/true"])
        #expect(result.status == 125)
        #expect(result.stderr == "corral: --rootfs \"/nonexistent/rootfs\": no such directory\n")
    }

    @Test func signalsToCorralReachTheTask() throws {
        // Private pid namespace: the task is pid 1 and sees only signals it handles.
        let trapped = try runAndSignal(["--", "/bin/sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done"])
        #expect(trapped.status == 7)
        #expect(trapped.stdout == "ready\ngot-term\n")
        // Shared pid namespace: an unhandled SIGTERM kills it.
        let killed = try runAndSignal(["--pid", "host", "--", "/bin/sh", "-c", "echo ready; exec sleep 30"])
        #expect(killed.status == 128 + 15)
        // Other signals an operator sends are forwarded too.
        for (signal, name) in [(SIGHUP, "HUP"), (SIGINT, "INT"), (SIGUSR1, "USR1")] {
            let result = try runAndSignal(["--", "/bin/sh", "-c", "trap 'exit 9' \(name); echo ready; while :; do sleep 0.05; done"],
                                          signal: signal)
            #expect(result.status == 9, "SIG\(name)")
        }
    }

    /// Starts `corral isolate ARGS`, waits for the task to print "ready", sends corral `signal`.
    func runAndSignal(_ arguments: [String], signal: Int32 = SIGTERM) throws -> RunResult {
        let corral = try StartedCorral(["isolate"] + arguments)
        var output = corral.read(until: "ready\n")
        kill(corral.process.processIdentifier, signal)
        output += corral.stdout.fileHandleForReading.readDataToEndOfFile()
        corral.process.waitUntilExit()
        return RunResult(status: corral.process.terminationStatus,
                         killedBySignal: corral.process.terminationReason == .uncaughtSignal,
                         stdout: String(decoding: output, as: UTF8.self), stderr: "")
    }
}

@Suite("Standard streams (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct StandardStreamTests {
    @Test func closedStdinGivesTheTaskDevNull() throws {
        let result = try bash("exec \"$0\" isolate -- /bin/sh -c 'cat; echo status=$?' <&-")
        #expect(result.status == 0)
        #expect(result.stdout == "status=0\n")
    }

    @Test func aTaskWritingForeverEndsWhenTheReaderLeaves() throws {
        // As in a plain pipeline: once nobody reads, the task's next write fails. As pid 1 of its own
        // namespace it ignores SIGPIPE (like any init) and sees EPIPE; sharing the host's, it gets SIGPIPE.
        let result = try bash("\"$0\" isolate -- yes 2>/dev/null | head -1; echo ${PIPESTATUS[0]}")
        #expect(result.stdout == "y\n1\n")
        let shared = try bash("\"$0\" isolate --pid host -- yes | head -1; echo ${PIPESTATUS[0]}")
        #expect(shared.stdout == "y\n\(128 + 13)\n")
    }

    @Test func outputGoesOnWhenTheReaderLeaves() throws {
        // `| head -1` closes the pipe early: the task must neither hang nor lose its exit status.
        let result = try bash("\"$0\" isolate -- /bin/sh -c 'seq 1 100000; exit 3' | head -1; exit ${PIPESTATUS[0]}")
        #expect(result.stdout == "1\n")
        #expect(result.status == 3, "corral's own status")
    }
}
