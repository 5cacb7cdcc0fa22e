import CorralTestFiles
import CorralAllocDir
import CorralRunner
import Foundation
import Testing

/// The host allocation directory: the layout with its modes, `secrets/` a private tmpfs mounted
/// once, and a removal that unmounts first and follows none of the links a task may leave.
@Suite struct HostTaskDirBuilderTests {
    static let skipReason: String? = geteuid() == 0 ? nil : "allocation directory tests need root (mount)"

    @Test(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
    func buildTwiceThenRemoveWithoutFollowingLinks() async throws {
        // The prefix the host mount-table checks of the other suites know to ignore.
        let base = NSTemporaryDirectory() + "corral-runner-integ-allocdir-\(UUID().uuidString.prefix(8))"
        let outside = base + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/precious"))
        defer { try? FileManager.default.removeItem(atPath: base) }
        let directory = TaskDirectory(allocRoot: base + "/root/allocs", allocID: "a1", task: "web")
        let builder = HostTaskDirBuilder()
        try await builder.build(directory)
        try await builder.build(directory)  // idempotent: one mount, not two stacked

        // The allocation directory is a nosuid,nodev bind mount of itself (once), secrets a tmpfs.
        let mounts = mountPoints(below: base)
        #expect(mounts == [directory.allocDir, directory.secretsDir])
        var fs = statvfs()
        #expect(statvfs(directory.sharedDataDir, &fs) == 0)
        #expect(fs.f_flag & stNoSUID != 0 && fs.f_flag & stNoDev != 0)
        for (path, mode) in [(directory.allocDir, 0o700), (directory.secretsDir, 0o700), (directory.localDir, 0o777),
                             (directory.sharedTmpDir, 0o1777), (directory.logDir, 0o777)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == mode, "\(path)")
        }
        // What a task may leave: links to the outside, to a file and to a directory.
        try FileManager.default.createSymbolicLink(atPath: directory.localDir + "/dir-link", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: directory.localDir + "/file-link",
                                                   withDestinationPath: outside + "/precious")
        try Data("secret".utf8).write(to: URL(fileURLWithPath: directory.secretsDir + "/token"))
        // A FIFO, a directory made unreadable, a deep chain.
        #expect(mkfifo(directory.sharedDataDir + "/fifo", 0o666) == 0)
        try FileManager.default.createDirectory(atPath: directory.localDir + "/locked/inner", withIntermediateDirectories: true)
        #expect(chmod(directory.localDir + "/locked", 0) == 0)
        var fd = open(directory.sharedDataDir, O_RDONLY | O_DIRECTORY)
        for _ in 0..<5000 {
            mkdirat(fd, "d", 0o755)
            let child = openat(fd, "d", O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = child
        }
        close(fd)

        // A sibling task's build after a task swapped alloc/tmp for a link: refused, the target untouched.
        try FileManager.default.removeItem(atPath: directory.sharedTmpDir)
        try FileManager.default.createSymbolicLink(atPath: directory.sharedTmpDir, withDestinationPath: outside)
        #expect(chmod(outside, 0o700) == 0)
        await #expect(throws: AllocDirError.self) {
            try await builder.build(TaskDirectory(allocRoot: base + "/root/allocs", allocID: "a1", task: "db"))
        }
        #expect((try FileManager.default.attributesOfItem(atPath: outside)[.posixPermissions] as? Int) == 0o700)

        try await builder.destroy(allocDir: directory.allocDir)
        #expect(!FileManager.default.fileExists(atPath: directory.allocDir))
        #expect(mountPoints(below: base).isEmpty)
        #expect((try? String(contentsOfFile: outside + "/precious", encoding: .utf8)) == "keep")
        // Removing what is already gone is fine.
        try await builder.destroy(allocDir: directory.allocDir)
    }

    @Test func relativeRootsAreRefused() async throws {
        let builder = HostTaskDirBuilder()
        await #expect(throws: AllocDirError.self) {
            try await builder.build(TaskDirectory(allocRoot: "relative/allocs", allocID: "a1", task: "web"))
        }
        await #expect(throws: AllocDirError.self) { try await builder.destroy(allocDir: "relative/allocs/a1") }
    }

    func mountPoints(below root: String) -> [String] {
        let text = ProcFile.text("/proc/self/mountinfo") ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return point.hasPrefix(root + "/") ? point : nil
        }
    }
}

/// statvfs's f_flag bits (Linux's ST_NOSUID and ST_NODEV; Swift's Glibc module leaves them out).
private let stNoSUID: UInt = 2
private let stNoDev: UInt = 4
