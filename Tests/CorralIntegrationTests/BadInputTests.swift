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

    /// The cgroup is made on a thread of its own while the launch is prepared: a cgroup the kernel
    /// refuses, and a launch that fails once the cgroup exists, each fail the start with the reason
    /// and leave neither a task cgroup nor a state directory.
    @Test(arguments: [(["--cpuset", "4095"], Int32(125), "cpuset"), (["--memory", "64m"], 127, "/nonexistent/command")])
    func aStartThatFailsAroundItsCgroupLeavesNothing(options: [String], status: Int32, named: String) throws {
        let parent = "corral-test-" + String(UUID().uuidString.prefix(8)).lowercased()
        let hierarchies = ["/sys/fs/cgroup"] + ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [])
            .map { "/sys/fs/cgroup/" + $0 }
        defer { for root in hierarchies { rmdir(root + "/" + parent) } }
        let command = status == 127 ? "/nonexistent/command" : "/bin/true"
        let result = try corral(["isolate", "--cgroup-parent", parent] + options + ["--", command])
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains(named), "\(result.stderr)")
        for root in hierarchies where FileManager.default.fileExists(atPath: root + "/" + parent) {
            let children = try FileManager.default.contentsOfDirectory(atPath: root + "/" + parent).filter {
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: root + "/" + parent + "/" + $0, isDirectory: &isDirectory)
                    && isDirectory.boolValue
            }
            #expect(children.isEmpty, "task cgroups left under \(root)/\(parent): \(children)")
        }
        let states = (try? FileManager.default.contentsOfDirectory(atPath: "/run/corral/isolate")) ?? []
        let ours = states.filter { (try? String(contentsOfFile: "/run/corral/isolate/\($0)/task.json", encoding: .utf8))?
            .contains(command) ?? false }
        #expect(ours.isEmpty, "state left in /run/corral/isolate: \(ours)")
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
