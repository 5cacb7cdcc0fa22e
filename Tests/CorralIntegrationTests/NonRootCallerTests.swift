import Foundation
import Testing

/// A caller who is not root: `isolate`, `run` and `agent` each refuse at once with one message
/// (exit 125) that names root and the way that works, before any permission error of their own;
/// `--help` still answers.
@Suite(.enabled(if: Integration.enabled && access("/usr/bin/setpriv", X_OK) == 0,
                Comment(rawValue: Integration.skipReason ?? "needs /usr/bin/setpriv (util-linux) to run corral as uid 65534")))
struct NonRootCallerTests {
    func asNobody(_ arguments: [String]) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--", Integration.corral] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stderr = ReadToEnd(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, killedBySignal: process.terminationReason == .uncaughtSignal,
                         stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr.wait(), as: UTF8.self))
    }

    @Test func eachRootCommandSaysSoOnce() throws {
        let job = NSTemporaryDirectory() + "corral-nonroot-\(UUID().uuidString.prefix(8)).hcl"
        try """
            job "n" {
              group "g" {
                task "t" {
                  driver = "raw_exec"
                  config { command = "/bin/true" }
                }
              }
            }
            """.write(toFile: job, atomically: false, encoding: .utf8)
        chmod(job, 0o644)
        defer { unlink(job) }
        for (arguments, command) in [(["isolate", "--", "/bin/true"], "isolate"), (["run", job], "run"), (["agent"], "agent")] {
            let result = try asNobody(arguments)
            #expect(result.status == 125, "\(arguments): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("corral \(command) needs root"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("sudo corral \(command)"), "\(result.stderr)")
        }
        let help = try asNobody(["isolate", "--help"])
        #expect(help.status == 0 && help.stdout.contains("isolate"), "\(help.stderr)")
    }
}
