import Foundation
import Testing

/// Hostile images against corral's own mount targets and protections (issue 15, item 1): every
/// /proc, /sys, /dev, /tmp or intermediate component that is a symlink (absolute, relative, a chain,
/// dangling, into /tmp), a FIFO or a file either fails the start (exit 125, naming the path) or the
/// task runs with every protection in place. Nothing is ever resolved through the image's links.
@Suite("Hostile images vs. mount targets (root)",
       .enabled(if: Cgroups.enabled && HostileImage.skipReason == nil,
                Comment(rawValue: Cgroups.skipReason ?? HostileImage.skipReason ?? "")),
       // Generous: under emulation (the cgroup v2 guest) a run of corral takes seconds, and these suites start many.
       .timeLimit(.minutes(6)))
struct HostileImageTests {
    /// What the task checks: /proc/sys read-only (writing core_pattern fails with EROFS), the masked
    /// files empty, /sys read-only. Prints "protected" only when all hold.
    static let protections = """
        bb=/bin/busybox
        if $bb sh -c 'echo x > /proc/sys/kernel/core_pattern' 2>/dev/null; then echo core_pattern-written; fi
        $bb sh -c 'echo x > /proc/sys/kernel/core_pattern' 2>&1 | $bb grep -q 'Read-only file system' || echo core_pattern-not-erofs
        $bb awk '$5 == "/proc/sys" { print $6 }' /proc/self/mountinfo | $bb grep -q '^ro' || echo proc-sys-not-ro
        [ "$($bb wc -c < /proc/timer_list)" = 0 ] || echo timer_list-not-masked
        for f in /proc/keys /proc/timer_list /proc/acpi /proc/scsi; do
          if [ -e $f ] && ! $bb awk -v f=$f '$5 == f { found = 1 } END { exit !found }' /proc/self/mountinfo; then echo "$f-not-masked"; fi
        done
        $bb awk '$5 == "/sys" { print $6 }' /proc/self/mountinfo | $bb grep -q '^ro' || echo sys-not-ro
        echo protected
        """

    /// A start refused for `path`: exit 125, the path named, nothing run.
    func expectRefused(_ result: RunResult, naming path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 125, "\(result.stdout) \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains("\"\(path)\""), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains("ordinary"), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stdout.contains("protected"), sourceLocation: sourceLocation)
    }

    @Test func aPlainImageRunsWithEveryProtection() throws {
        let image = try HostileImage()
        defer { image.remove() }
        let result = try corral(["isolate", "--rootfs", image.root, "--", "/bin/sh", "-c", Self.protections])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "protected\n")
        // And with the user's own /tmp.
        let own = try corral(["isolate", "--rootfs", image.root, "--tmpfs", "/tmp:8m", "--", "/bin/sh", "-c", Self.protections])
        #expect(own.stdout == "protected\n", "\(own.stderr)")
    }

    /// Each of corral's mount points, as every kind of hostile entry.
    @Test(arguments: ["/proc", "/sys", "/dev", "/tmp"])
    func aSystemMountPointThatIsNotAnOrdinaryDirectoryIsRefused(path: String) throws {
        let plants: [(String, (HostileImage) throws -> Void)] = [
            ("absolute symlink into /tmp", { let into = path == "/tmp" ? "/var/x" : "/tmp/x"
                                             try $0.directory(into); try $0.link(path, to: into) }),
            ("relative symlink", { try $0.directory("/real"); try $0.link(path, to: "real") }),
            ("symlink chain", { try $0.directory("/real"); try $0.link("/c2", to: "/real"); try $0.link("/c1", to: "c2");
                                try $0.link(path, to: "c1") }),
            ("dangling symlink", { try $0.link(path, to: "/nonexistent/x") }),
            ("symlink to the host", { try $0.link(path, to: "/etc") }),
            ("symlink out by ..", { try $0.link(path, to: "../../../../../etc") }),
            ("FIFO", { $0.fifo(path) }),
            ("file", { try $0.file(path, "x") }),
        ]
        for (name, plant) in plants {
            let image = try HostileImage()
            defer { image.remove() }
            try plant(image)
            let result = try corral(["isolate", "--rootfs", image.root, "--", "/bin/sh", "-c", Self.protections])
            #expect(result.status == 125, "\(path) as \(name): \(result.status) \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("\"\(path)\""), "\(path) as \(name): \(result.stderr)")
            #expect(result.stderr.contains("ordinary"), "\(path) as \(name): \(result.stderr)")
            #expect(!result.stdout.contains("protected"), "\(path) as \(name)")
        }
    }

    @Test func anIntermediateSymlinkOnAUserMountTargetIsRefused() throws {
        let image = try HostileImage()
        defer { image.remove() }
        let source = image.base + "/source"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try image.directory("/real/x")
        try image.link("/data", to: "real")
        expectRefused(try corral(["isolate", "--rootfs", image.root, "--bind", source + ":/data/x", "--", "/bin/sh", "-c", "echo ran"]),
                      naming: "/data/x")
        expectRefused(try corral(["isolate", "--rootfs", image.root, "--tmpfs", "/data/x", "--", "/bin/sh", "-c", "echo ran"]),
                      naming: "/data/x")
        // A file bind onto a FIFO: refused, never opened (it would block).
        image.fifo("/fifo")
        let file = image.base + "/file"
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        let fifo = try corral(["isolate", "--rootfs", image.root, "--bind", file + ":/fifo", "--", "/bin/sh", "-c", "echo ran"])
        #expect(fifo.status == 125 && fifo.stderr.contains("\"/fifo\""), "\(fifo.stderr)")
    }

    /// A user mount that would cover corral's /proc, /sys or /dev (or a parent), or go beneath /proc
    /// or /sys, could hide or undo the protections: refused before anything starts.
    @Test(arguments: ["/proc", "/proc/sys", "/proc/sys/kernel", "/sys", "/sys/kernel", "/dev"])
    func aUserMountOverOrBeneathASystemMountIsRefused(destination: String) throws {
        let tmp = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        for options in [["--bind", tmp + ":" + destination], ["--bind", tmp + ":" + destination + ":ro"], ["--tmpfs", destination]] {
            let result = try corral(["isolate"] + options + ["--", "/bin/true"])
            #expect(result.status == 2, "\(options): \(result.stderr)")
            #expect(result.stderr.contains("cannot mount over or beneath"), "\(options): \(result.stderr)")
        }
    }
}
