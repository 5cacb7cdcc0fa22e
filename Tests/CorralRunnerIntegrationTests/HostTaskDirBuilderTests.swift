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

        let mounts = mountPoints(below: base)
        #expect(mounts == [directory.secretsDir])
        for (path, mode) in [(directory.secretsDir, 0o700), (directory.localDir, 0o777), (directory.sharedTmpDir, 0o1777),
                             (directory.logDir, 0o777)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == mode, "\(path)")
        }
        // What a task may leave: links to the outside, to a file and to a directory.
        try FileManager.default.createSymbolicLink(atPath: directory.localDir + "/dir-link", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: directory.localDir + "/file-link",
                                                   withDestinationPath: outside + "/precious")
        try Data("secret".utf8).write(to: URL(fileURLWithPath: directory.secretsDir + "/token"))

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
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return point.hasPrefix(root + "/") ? point : nil
        }
    }
}
