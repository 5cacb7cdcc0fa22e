import CCorralLaunch
import Foundation
import Testing

/// How the task resolves mount targets (the C launch's `corral_make_mountpoint`), against crafted
/// trees in a temporary directory: no root needed, the same code the task runs.
@Suite struct MountpointResolutionTests {
    let root: String
    let outside: String

    init() throws {
        let base = NSTemporaryDirectory() + "corral-mountpoints-" + UUID().uuidString
        root = base + "/root"
        outside = base + "/outside"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }

    /// Makes `rel` in the root; returns errno (0 on success).
    func make(_ rel: String, file: Bool = false) -> Int32 {
        let rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(rootfd) }
        let fd = corral_make_mountpoint(rootfd, rel, file ? 1 : 0)
        if fd < 0 { return errno }
        close(fd)
        return 0
    }

    func link(_ name: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + name, withDestinationPath: target)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func anAbsoluteSymlinkResolvesInsideTheRoot() throws {
        defer { cleanUp() }
        try link("etc", to: outside)  // /etc -> the host's <outside>
        #expect(make("etc/conf") == ENOENT)  // <root><outside> does not exist in the root
        #expect(!exists(outside + "/conf"))
        try FileManager.default.createDirectory(atPath: root + outside, withIntermediateDirectories: true)
        #expect(make("etc/conf") == 0)
        #expect(exists(root + outside + "/conf") && !exists(outside + "/conf"))
    }

    @Test func dotDotCannotClimbOut() throws {
        defer { cleanUp() }
        try link("up", to: "../../../..")
        #expect(make("up/escaped") == 0)
        #expect(exists(root + "/escaped"))
        #expect(!exists(outside + "/../escaped") && !exists((root as NSString).deletingLastPathComponent + "/escaped"))
        #expect(make("a/../../../b", file: true) == 0)
        #expect(exists(root + "/b"))
    }

    @Test func symlinkLoopsFail() throws {
        defer { cleanUp() }
        try link("l1", to: "l2")
        try link("l2", to: "l1")
        #expect(make("l1/x") == ELOOP)
    }

    @Test func missingParentsAreCreatedInsideAndADanglingLinkIsNotFollowedOut() throws {
        defer { cleanUp() }
        #expect(make("deep/er/mount") == 0)
        #expect(exists(root + "/deep/er/mount"))
        try link("dangling", to: outside + "/made-through-link")
        #expect(make("dangling/x") != 0)
        #expect(!exists(outside + "/made-through-link"))
    }
}
