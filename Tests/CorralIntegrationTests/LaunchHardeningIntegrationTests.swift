import Foundation
import Testing

/// The launch side of the second security review, as a task and a user would meet it: paths inside
/// the task spelled around the checks, user mounts over corral's own /dev mounts, and bind sources a
/// running task swaps for a symlink to / while other tasks start (the attacker runs inside a corral task).
@Suite("Launch hardening (root)", .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(6)))
struct LaunchHardeningIntegrationTests {
    /// `.` and empty components would land a user mount on /proc, /sys or /dev past the checks.
    @Test(arguments: ["/./proc", "//proc", "/proc/.", "/./sys", "//sys/", "/./dev", "/dev//", "/./proc/sys"])
    func aNonCanonicalTargetIsRefusedBeforeAnythingRuns(target: String) throws {
        let source = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: source) }
        for options in [["--tmpfs", target], ["--bind", "\(source):\(target)"], ["--bind", "\(source):\(target):ro"]] {
            let result = try isolatedShell("echo ran", options: options)
            #expect(result.status == 2, "\(options): \(result.status) \(result.stderr)")
            #expect(!result.stdout.contains("ran"), "\(options)")
            #expect(result.stderr.contains(options[0]), "\(options): \(result.stderr)")
        }
        let workdir = try isolatedShell("echo ran", options: ["--workdir", "/./tmp"])
        #expect(workdir.status == 2 && !workdir.stdout.contains("ran"), "\(workdir.stderr)")
    }

    /// corral's own mounts below /dev (devpts, shm, mqueue): a user mount on one of them is refused
    /// by the launch code itself (EBUSY), the task never runs.
    @Test(arguments: ["/dev/pts", "/dev/shm", "/dev/mqueue"])
    func aUserMountOnOneOfCorralsOwnMountsIsRefused(target: String) throws {
        let source = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: source) }
        for options in [["--tmpfs", target], ["--bind", "\(source):\(target)"]] {
            let result = try isolatedShell("echo ran", options: options)
            #expect(result.status == 125, "\(options): \(result.status) \(result.stderr)")
            #expect(!result.stdout.contains("ran"), "\(options)")
            #expect(result.stderr.contains("corral's own mounts"), "\(options): \(result.stderr)")
        }
        // Beneath them stays possible.
        let beneath = try isolatedShell("echo ran", options: ["--bind", "\(source):/dev/shm/data"])
        #expect(beneath.status == 0 && beneath.stdout == "ran\n", "\(beneath.stderr)")
    }

    /// A task with a writable bind swaps a directory another job binds between itself and a symlink
    /// to /, as fast as it can, while that job starts again and again. The victim must only ever get
    /// the real directory, or fail to start: never the host's root.
    @Test func aBindSourceSwappedForASymlinkByATaskNeverGivesTheHostRoot() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/shared/sub", withIntermediateDirectories: true)
        try "sub\n".write(toFile: base + "/shared/sub/marker", atomically: false, encoding: .utf8)
        // The attacker: confined (it checks it is in a pid namespace of its own), for a few seconds.
        let attacker = try StartedCorral(["isolate", "--bind", base + "/shared:/shared", "--", "/bin/sh", "-c", """
            [ "$$" = 1 ] || { echo not-confined; exit 1; }
            echo swapping
            end=$(( $(date +%s) + 6 ))
            while [ "$(date +%s)" -lt "$end" ]; do
              for i in 1 2 3 4 5 6 7 8 9 10; do
                mv /shared/sub /shared/sub.d && ln -s / /shared/sub
                rm -f /shared/sub; mv /shared/sub.d /shared/sub
              done
            done
            echo done
            """])
        defer { attacker.process.waitUntilExit() }
        #expect(String(decoding: attacker.read(until: "swapping"), as: UTF8.self).contains("swapping"))
        var started = 0
        for _ in 0..<25 where attacker.process.isRunning {
            let victim = try isolatedShell("[ -d /data/proc ] && [ -d /data/usr ] && echo HOST-ROOT; cat /data/marker 2>/dev/null",
                                           options: ["--bind", base + "/shared/sub:/data"])
            #expect(!victim.stdout.contains("HOST-ROOT"), "the victim got the host's root: \(victim.stdout)")
            if victim.status == 0 {
                started += 1
                #expect(victim.stdout == "sub\n", "\(victim.stdout) \(victim.stderr)")
            } else {
                #expect(victim.status == 2 || victim.status == 125, "\(victim.status) \(victim.stderr)")
            }
        }
        attacker.process.waitUntilExit()
        #expect(attacker.process.terminationStatus == 0)
        // The directory is back in place: a start now gets it.
        let after = try isolatedShell("cat /data/marker", options: ["--bind", base + "/shared/sub:/data"])
        #expect(after.stdout == "sub\n", "\(after.stderr)")
    }
}
