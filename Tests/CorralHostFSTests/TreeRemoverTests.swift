@testable import CorralHostFS
import Foundation
import Testing

/// Removing what a task left: deep trees without recursion, links not followed, FIFOs and sockets
/// unlinked, directories made unreadable taken back, names that are not UTF-8 removed as they are.
@Suite struct TreeRemoverTests {
    /// A chain `depth` directories deep, made through fds (its paths are far longer than PATH_MAX).
    func makeDeepChain(_ root: String, depth: Int) throws {
        var fd = open(root, O_RDONLY | O_DIRECTORY)
        try #require(fd >= 0)
        for level in 0..<depth {
            try #require(mkdirat(fd, "d", 0o755) == 0, "mkdir at level \(level): \(errno)")
            let child = openat(fd, "d", O_RDONLY | O_DIRECTORY)
            close(fd)
            try #require(child >= 0)
            fd = child
        }
        #expect(openat(fd, "leaf", O_CREAT | O_WRONLY, 0o644) >= 0)
        close(fd)
    }

    @Test func removesATreeDeeperThanAnyStack() throws {
        try withScratch { base in
            let root = base + "/alloc"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            // Deeper than the tree that crashed the agent (15,000). Slow on any file system (rm -rf
            // takes as long): the bound only says it ends.
            try makeDeepChain(root, depth: 15_001)
            let elapsed = try seconds { try TreeRemover.remove(path: root) }
            #expect(!FileManager.default.fileExists(atPath: root))
            #expect(elapsed < 300)
        }
    }

    @Test func followsNoLinkAndRemovesEveryKindOfFile() throws {
        try withScratch { base in
            let root = base + "/alloc", outside = base + "/outside"
            for dir in [root + "/data/sub", outside + "/dir"] {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            try write("keep", to: outside + "/precious")
            try write("keep", to: outside + "/dir/inner")
            try FileManager.default.createSymbolicLink(atPath: root + "/data/dir-link", withDestinationPath: outside + "/dir")
            try FileManager.default.createSymbolicLink(atPath: root + "/data/file-link", withDestinationPath: outside + "/precious")
            try FileManager.default.createSymbolicLink(atPath: root + "/data/sub/up", withDestinationPath: "../../../outside")
            try FileManager.default.createSymbolicLink(atPath: root + "/data/loop", withDestinationPath: "loop")
            try makeFIFO(root + "/data/fifo")
            try bashRun("cd '\(root)/data' && python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.bind(\"sock\")' 2>/dev/null || true")
            // Names that are not UTF-8, and 3000 files (more than one batch).
            #expect(try bashRun("cd '\(root)/data' && touch \"$(printf 'bad\\377name')\" && mkdir \"$(printf 'dir\\376')\" "
                                + "&& for i in $(seq 1 3000); do : > f$i; done") == 0)
            try TreeRemover.remove(path: root)
            #expect(!FileManager.default.fileExists(atPath: root))
            #expect((try? String(contentsOfFile: outside + "/precious", encoding: .utf8)) == "keep")
            #expect((try? String(contentsOfFile: outside + "/dir/inner", encoding: .utf8)) == "keep")
        }
    }

    /// Directories the task made mode 000 or 0500, files in them: removed all the same.
    @Test func takesBackDirectoriesMadeUnreadableOrUnwritable() throws {
        try withScratch { base in
            let root = base + "/alloc"
            try FileManager.default.createDirectory(atPath: root + "/locked/inner/deeper", withIntermediateDirectories: true)
            try write("x", to: root + "/locked/inner/deeper/file")
            try FileManager.default.createDirectory(atPath: root + "/readonly", withIntermediateDirectories: true)
            try write("x", to: root + "/readonly/file")
            #expect(chmod(root + "/locked/inner/deeper", 0) == 0)
            #expect(chmod(root + "/locked/inner", 0) == 0)
            #expect(chmod(root + "/locked", 0) == 0)
            #expect(chmod(root + "/readonly", 0o500) == 0)
            try FileManager.default.createDirectory(atPath: root + "/unsearchable", withIntermediateDirectories: true)
            try write("x", to: root + "/unsearchable/file")
            #expect(chmod(root + "/unsearchable", 0o400) == 0)
            try TreeRemover.remove(path: root)
            #expect(!FileManager.default.fileExists(atPath: root))
        }
    }

    @Test func aLinkOrAFileAtTheTopIsUnlinkedNotFollowed() throws {
        try withScratch { base in
            try FileManager.default.createDirectory(atPath: base + "/outside", withIntermediateDirectories: true)
            try write("keep", to: base + "/outside/precious")
            try FileManager.default.createSymbolicLink(atPath: base + "/alloc", withDestinationPath: base + "/outside")
            try TreeRemover.remove(path: base + "/alloc")
            #expect((try? String(contentsOfFile: base + "/outside/precious", encoding: .utf8)) == "keep")
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: base + "/alloc")) == nil)
            // Missing: nothing to do.
            try TreeRemover.remove(path: base + "/alloc")
            try TreeRemover.remove(path: base + "/missing/alloc")
        }
    }

    static let rootReason: String? = geteuid() == 0 ? nil : "mount points need root"

    /// A mount left inside is never descended into: the removal stops with an error naming it.
    @Test(.enabled(if: rootReason == nil, Comment(rawValue: rootReason ?? "")))
    func aMountPointInsideStopsTheRemoval() throws {
        try withScratch { base in
            let root = base + "/corral-runner-integ-hostfs"
            try FileManager.default.createDirectory(atPath: root + "/mnt", withIntermediateDirectories: true)
            try #require(mount("tmpfs", root + "/mnt", "tmpfs", 0, "size=1m") == 0)
            defer { umount2(root + "/mnt", Int32(MNT_DETACH)) }
            try write("in the mount", to: root + "/mnt/file")
            let error = #expect(throws: HostFSError.self) { try TreeRemover.remove(path: root) }
            #expect(error?.errno == EXDEV)
            #expect(FileManager.default.fileExists(atPath: root + "/mnt/file"))
        }
    }
}
