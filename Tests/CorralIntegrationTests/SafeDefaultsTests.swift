import Foundation
import Testing

/// Safe defaults (issue 15, item 9): a pids limit on every task, a bounded /tmp, and without a device
/// cgroup no CAP_MKNOD and a nodev /dev whose standard devices still work.
@Suite("Safe defaults (root)", .enabled(if: Cgroups.enabled, Comment(rawValue: Cgroups.skipReason ?? "")),
       .timeLimit(.minutes(6)))
struct SafeDefaultsTests {
    let parent = Cgroups.testParent()

    /// pids.max of the one task under the test's parent, read from the host while it runs.
    func pidsMax(_ options: [String]) throws -> String? {
        defer { Cgroups.removeParent(parent) }
        let task = try StartedCorral(["isolate", "--cgroup-parent", parent] + options
                                     + ["--", "/bin/sh", "-c", "trap 'exit 0' TERM; echo ready; while :; do sleep 0.1; done"])
        defer { task.process.terminate(); task.process.waitUntilExit() }
        _ = task.read(until: "ready")
        for mount in Cgroups.mounts {
            for child in subdirectories(of: mount + "/" + parent) {
                if let text = try? String(contentsOfFile: mount + "/" + parent + "/" + child + "/pids.max", encoding: .utf8) {
                    return text.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
        }
        return nil
    }

    @Test func everyTaskHasAPidsLimitByDefault() throws {
        #expect(try pidsMax([]) == "2048")
        #expect(try pidsMax(["--pids", "64"]) == "64")
        // No limit: "max", or (v1) the task is not put in the pids hierarchy at all.
        for none in ["0", "max"] {
            let value = try pidsMax(["--pids", none])
            #expect(value == nil || value == "max", "\(value ?? "")")
        }
    }

    @Test func theTasksTmpIs64MiBUnlessTheUserMountsTheirOwn() throws {
        let size = "df -k /tmp | tail -n 1 | awk '{print $2}'"
        #expect(try isolatedShell(size).stdout == "65536\n")
        #expect(try isolatedShell(size, options: ["--tmpfs", "/tmp:128m"]).stdout == "131072\n")
    }

    @Test func withoutACgroupTheTaskHasNoMknodAndANodevDevWhoseDevicesWork() throws {
        let script = """
            grep -q '^CapEff:.*' /proc/self/status
            caps=$(awk '/^CapEff/ {print $2}' /proc/self/status)
            [ $(( 0x$caps >> 27 & 1 )) = 0 ] || echo has-mknod
            mknod /dev/made c 1 3 2>/dev/null && echo mknod-worked
            awk '$5 == "/dev" {print $6}' /proc/self/mountinfo | grep -q nodev || echo dev-not-nodev
            echo hi > /dev/null || echo null-broken
            [ "$(head -c 4 /dev/zero | od -An -tx1 | tr -d ' ')" = 00000000 ] || echo zero-broken
            head -c 4 /dev/urandom > /dev/null || echo urandom-broken
            echo x > /dev/full 2>/dev/null && echo full-broken
            echo ok
            """
        let result = try isolatedShell(script, options: ["--no-cgroup"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ok\n")
        let asked = try isolatedShell(script, options: ["--no-cgroup", "--cap-add", "mknod"])
        #expect(asked.stdout == "ok\n")
        #expect(asked.stderr.contains("mknod"), "\(asked.stderr)")
        // With the device cgroup, CAP_MKNOD stays (Docker's default set).
        let confined = try isolatedShell("awk '/^CapEff/ {print $2}' /proc/self/status", options: ["--cgroup-parent", parent])
        Cgroups.removeParent(parent)
        #expect((UInt64(confined.stdout.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) ?? 0) >> 27 & 1 == 1)
    }
}
