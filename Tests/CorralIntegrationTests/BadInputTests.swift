import Foundation
import Testing

/// Bad input fails before anything exists, with a message naming the option and the value.
@Suite("Bad input (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(1)))
struct BadInputTests {
    @Test(arguments: [
        (["--bind", "/nonexistent/src:/x"], Int32(125), "--bind \"/nonexistent/src:/x\""),
        (["--bind", "/tmp:relative/dst"], 2, "--bind \"/tmp:relative/dst\""),
        (["--hostname", "bad name"], 2, "--hostname \"bad name\""),
        (["--user", "nosuchuser"], 125, "--user \"nosuchuser\""),
        (["--rootfs", "/nonexistent/root"], 125, "--rootfs \"/nonexistent/root\""),
        (["--workdir", "relative"], 2, "--workdir \"relative\""),
        (["--net", "bogus"], 2, "--net \"bogus\""),
        (["--rlimit", "nofile"], 2, "nofile"),
    ])
    func rejectedWithTheOptionAndValueNamed(options: [String], status: Int32, named: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state"
        let result = try corral(["isolate", "--state-dir", state] + options + ["--", "/bin/true"])
        #expect(result.status == status)
        #expect(result.stderr.contains(named), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: state), "nothing is left behind")
    }

    @Test(arguments: [["isolate"], ["isolate", "--"], ["isolate", "--net", "host", "--"]])
    func emptyCommandIsAUsageError(arguments: [String]) throws {
        let result = try corral(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains("no command given"))
    }

    @Test func helpIsPrinted() throws {
        for arguments in [["--help"], [], ["help", "isolate"], ["isolate", "--help"]] {
            let result = try corral(arguments)
            #expect(result.status == 0, "\(arguments)")
            #expect(result.stdout.contains("USAGE: corral"), "\(arguments): \(result.stdout)")
        }
    }

    @Test func mountFailuresInsideTheTaskNameTheMount() throws {
        // /usr is a read-only bind in the chroot, so a new mount point cannot be created under it.
        let result = try corral(["isolate", "--bind", "/tmp:/usr/corral-test-mnt", "--", "/bin/true"])
        #expect(result.status == 125)
        #expect(result.stderr == "corral: cannot start task: mount \"/usr/corral-test-mnt\" (bind of \"/tmp\"): Read-only file system (stage mount)\n")
    }
}
