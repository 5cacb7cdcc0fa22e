#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Makes and removes allocation and task directories. The host implementation (in
/// `CorralAllocDir`) mounts `secrets/` as a tmpfs; the runner core only calls this protocol.
public protocol TaskDirBuilder: Sendable {
    /// Creates the allocation's shared `alloc/{data,logs,tmp}` (if missing) and the task's
    /// `local/`, `secrets/`, `tmp/`. Idempotent.
    func build(_ directory: TaskDirectory) async throws
    /// Removes the allocation directory and everything in it (unmounting what `build` mounted).
    func destroy(allocDir: String) async throws
}

/// Plain directories, no mounts: for tests and unprivileged runs (`secrets/` is a 0700 directory).
public struct PlainTaskDirBuilder: TaskDirBuilder {
    public init() {}

    public func build(_ directory: TaskDirectory) async throws {
        let manager = FileManager.default
        for (path, mode) in [(directory.allocDir, 0o755), (directory.sharedDir, 0o755), (directory.sharedDataDir, 0o777),
                             (directory.logDir, 0o777), (directory.sharedTmpDir, 0o1777), (directory.taskDir, 0o755),
                             (directory.localDir, 0o777), (directory.secretsDir, 0o700), (directory.tmpDir, 0o1777)] {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
            try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
    }

    public func destroy(allocDir: String) async throws {
        guard FileManager.default.fileExists(atPath: allocDir) else { return }
        try FileManager.default.removeItem(atPath: allocDir)
    }
}
