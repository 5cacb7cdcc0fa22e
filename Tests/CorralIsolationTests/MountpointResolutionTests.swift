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

    /// Every kind of symlink on the way, or as the target itself, is refused (ELOOP), and nothing is
    /// created through it, inside the root or out of it.
    @Test(arguments: [
        ("etc", "OUTSIDE"),             // absolute, to the host
        ("etc", "/"),                   // absolute, to the root
        ("etc", "real"),                // relative, inside
        ("etc", "../../../.."),         // relative, climbing out
        ("etc", "chain1"),              // a chain: etc -> chain1 -> chain2 -> real
        ("etc", "dangling"),            // dangling
        ("etc", "tmp/x"),               // into a directory a later mount would cover
    ])
    func aSymlinkAnywhereOnTheWayIsRefused(name: String, target: String) throws {
        defer { cleanUp() }
        try FileManager.default.createDirectory(atPath: root + "/real", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/tmp/x", withIntermediateDirectories: true)
        try link("chain2", to: "real")
        try link("chain1", to: "chain2")
        try link(name, to: target == "OUTSIDE" ? outside : target)
        for rel in ["etc", "etc/conf", "etc/a/b"] {
            #expect(make(rel) == ELOOP, "\(rel) through \(target)")
            #expect(make(rel, file: true) == ELOOP, "\(rel) (file) through \(target)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/real").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp/x").isEmpty)
    }

    @Test func dotDotIsRefused() {
        defer { cleanUp() }
        #expect(make("a/../../../b", file: true) != 0)
        #expect(make("..") != 0)
        #expect(!exists((root as NSString).deletingLastPathComponent + "/b"))
    }

    @Test func symlinkLoopsFail() throws {
        defer { cleanUp() }
        try link("l1", to: "l2")
        try link("l2", to: "l1")
        #expect(make("l1/x") == ELOOP)
        #expect(make("l1") == ELOOP)
    }

    @Test func missingParentsAreCreatedAsDirectories() throws {
        defer { cleanUp() }
        #expect(make("deep/er/mount") == 0)
        #expect(exists(root + "/deep/er/mount"))
        #expect(make("deep/er/file", file: true) == 0)
        #expect(make("deep/er/file", file: true) == 0)  // an existing regular file is fine
    }

    @Test func aFileOrFIFOWhereADirectoryBelongsIsRefused() throws {
        defer { cleanUp() }
        #expect(FileManager.default.createFile(atPath: root + "/file", contents: Data()))
        #expect(mkfifo(root + "/fifo", 0o644) == 0)
        for rel in ["file", "file/x", "fifo", "fifo/x"] {
            #expect(make(rel) == ENOTDIR, "\(rel)")
        }
        #expect(make("fifo", file: true) == ENOTDIR)  // never opened (it would block)
        #expect(make("real", file: false) == 0)
        #expect(make("real", file: true) == EISDIR)
    }

    /// "." and ".." components are refused (EINVAL) wherever they are: `./proc` would otherwise name
    /// `proc` under another spelling than the one the plan was checked with.
    @Test(arguments: ["./proc", "a/./b", "a/.", "a/../b", "../proc", "a/b/..", "./", "."])
    func dotComponentsAreRefused(rel: String) throws {
        defer { cleanUp() }
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        #expect(make(rel) == EINVAL, "\(rel)")
        #expect(!exists(root + "/proc"))
    }
}
