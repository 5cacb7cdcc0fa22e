import CorralTestFiles
import Foundation
import Testing

/// An image whose account files are traps for the host reading them: a FIFO (an open would wait
/// for a writer forever), a terabyte of holes, a directory. Each start fails at once with exit 125
/// and a message naming the file and what it is; nothing hangs, nothing grows.
@Suite(.serialized, .enabled(if: Integration.enabled, Integration.comment), .timeLimit(.minutes(6)))
struct HostileImageFileTests {
    /// A minimal image (busybox as /bin/sh) whose /etc/passwd is made by `trap`.
    func withImage(_ trap: (String) throws -> Void, _ body: (String) throws -> Void) throws {
        try #require(FileManager.default.fileExists(atPath: "/bin/busybox"), "needs a static /bin/busybox")
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for dir in ["/bin", "/etc", "/proc", "/dev", "/sys", "/tmp"] {
            try FileManager.default.createDirectory(atPath: root + dir, withIntermediateDirectories: true)
        }
        try ExecutableFile.copy("/bin/busybox", to: root + "/bin/sh")
        try trap(root + "/etc/passwd")
        try body(root)
    }

    @Test func aFIFOPasswdFailsTheStartAtOnce() throws {
        try withImage({ #expect(mkfifo($0, 0o644) == 0) }) { root in
            let result = try corral(["isolate", "--rootfs", root, "--", "/bin/sh", "-c", "true"])
            #expect(result.status == 125, "\(result.stderr)")
            #expect(result.stderr.contains("/etc/passwd") && result.stderr.contains("not a regular file (a FIFO)"), "\(result.stderr)")
        }
    }

    @Test func aHugeSparsePasswdIsRefusedNotRead() throws {
        try withImage({
            try Data().write(to: URL(fileURLWithPath: $0))
            #expect(truncate($0, 1 << 40) == 0)
        }) { root in
            let result = try corral(["isolate", "--rootfs", root, "--", "/bin/sh", "-c", "true"])
            #expect(result.status == 125, "\(result.stderr)")
            #expect(result.stderr.contains("larger than 4 MiB"), "\(result.stderr)")
        }
    }

    @Test func aPasswdLinkedOutOfTheImageReadsTheImagesOwnPath() throws {
        // /etc/passwd -> /../../../etc/passwd resolves inside the image: to itself, a loop, or
        // nothing; never the host's file (whose root line would make "root" resolve).
        try withImage({ try FileManager.default.createSymbolicLink(atPath: $0, withDestinationPath: "../../../../etc/shadow") }) { root in
            let result = try corral(["isolate", "--rootfs", root, "--user", "root", "--", "/bin/sh", "-c", "true"])
            #expect(result.status == 125, "the host's account files were read: \(result.stderr)")
        }
    }
}
