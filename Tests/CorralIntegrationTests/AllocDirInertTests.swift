import Foundation
import Testing

/// What a task leaves in its allocation directory is of no use on the host: a set-user-id root
/// shell and a world-writable device node planted in `/alloc/data` cannot be reached by another
/// host user (the allocation directory is root's, 0700), and even reached (from a working directory
/// inside it, or by root) the shell runs without its set-user-id and the node cannot be opened: the
/// allocation directory is mounted `nosuid,nodev` on the host too.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(6)))
struct AllocDirInertTests {
    let name = "i" + UUID().uuidString.prefix(8).lowercased()
    var dataDir: String { NSTemporaryDirectory() + "corral-runner-integ-inert-\(name)" }
    var stateRoot: String { "/run/corral/test-\(name)" }
    var cgroupParent: String { "corral-test-\(name)" }

    /// A root task that plants its shell (setuid root) and a 0666 `/dev/null` twin, kept after the run.
    func plant() async throws -> String {
        let job = dataDir + ".hcl"
        try """
        job "plant" {
          type = "batch"
          group "g" {
            task "t" {
              driver = "exec"
              user = "root"
              config {
                command = "/bin/sh"
                args = ["-c", "cp /bin/bash /alloc/data/rootshell && chmod 4755 /alloc/data/rootshell && mknod /alloc/data/null c 1 3 && chmod 666 /alloc/data/null && ls -l /alloc/data"]
              }
              resources {
                cpu    = 100
                memory = 64
              }
            }
          }
        }
        """.write(toFile: job, atomically: true, encoding: .utf8)
        defer { unlink(job) }
        let result = try await corralAsync(["run", "--keep", "--data-dir", dataDir, "--state-root", stateRoot,
                                            "--cgroup-parent", cgroupParent, job])
        try #require(result.status == 0, "the planting task failed: \(result.stdout) \(result.stderr)")
        let allocs = try FileManager.default.contentsOfDirectory(atPath: dataDir + "/alloc")
        try #require(allocs.count == 1)
        return dataDir + "/alloc/" + allocs[0]
    }

    /// Runs `arguments` as uid/gid 65534 with no groups, from `directory`; returns status and output.
    func runAsNobody(_ arguments: [String], in directory: String = "/") throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "--"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func plantedSetuidShellAndDeviceAreInertOnTheHost() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv (util-linux)")
        let allocDir = try await plant()
        defer { _ = leftovers(dataDir: dataDir, stateRoot: stateRoot, cgroupParent: cgroupParent) }
        let shell = allocDir + "/alloc/data/rootshell", node = allocDir + "/alloc/data/null"

        // The task did plant them (as root sees them).
        var info = stat()
        try #require(lstat(shell, &info) == 0)
        #expect(info.st_mode & S_ISUID != 0 && info.st_uid == 0, "the shell is not setuid root: the test proves nothing")
        try #require(lstat(node, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFCHR)

        // 1. Another host user cannot reach them.
        try #require(stat(allocDir, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700 && info.st_uid == 0, "allocation directory mode \(String(info.st_mode & 0o7777, radix: 8))")
        for path in [shell, node, allocDir + "/alloc/data", allocDir] {
            let (status, output) = try runAsNobody(["/bin/ls", "-l", path])
            #expect(status != 0 && output.contains("Permission denied"), "nobody reached \(path): \(output)")
        }

        // 2. The mount under them is nosuid and nodev on the host.
        var fs = statvfs()
        try #require(statvfs(shell, &fs) == 0)
        #expect(fs.f_flag & stNoSUID != 0, "the allocation directory is not nosuid on the host")
        #expect(fs.f_flag & stNoDev != 0, "the allocation directory is not nodev on the host")

        // 3. Reached all the same (a working directory inside, which needs no traversal of the
        // parents), the shell does not run as root.
        let (status, output) = try runAsNobody(["./rootshell", "-p", "-c", "id -u"], in: allocDir + "/alloc/data")
        #expect(status == 0 && output.trimmingCharacters(in: .whitespacesAndNewlines) == "65534",
                "the planted setuid shell ran with euid \(output)")

        // 4. Not even root can open the planted device node.
        let fd = open(node, O_RDWR)
        let code = errno
        if fd >= 0 { close(fd) }
        #expect(fd < 0 && code == EACCES, "root opened the planted device node (errno \(code))")
    }

    /// The allocation's own mount is removed with it: a run that keeps nothing leaves no mount.
    @Test func theAllocationMountGoesWithTheAllocation() async throws {
        let result = try await corralAsync(["run", "--data-dir", dataDir, "--state-root", stateRoot, "--cgroup-parent", cgroupParent,
                                            RunCommandTests.examples + "/hello.hcl"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(leftovers(dataDir: dataDir, stateRoot: stateRoot, cgroupParent: cgroupParent) == [])
    }
}

/// statvfs's f_flag bits (Linux's ST_NOSUID and ST_NODEV; Swift's Glibc module leaves them out).
private let stNoSUID: UInt = 2
private let stNoDev: UInt = 4
