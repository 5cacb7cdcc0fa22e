import CorralRunner
import Foundation

/// Plain directories, no mounts: for tests and unprivileged runs (`secrets/` is a 0700 directory).
package struct PlainTaskDirBuilder: TaskDirBuilder {
    package init() {}

    package func build(_ directory: TaskDirectory) async throws {
        let manager = FileManager.default
        for (path, mode) in [(directory.allocDir, 0o755), (directory.sharedDir, 0o755), (directory.sharedDataDir, 0o777),
                             (directory.logDir, 0o777), (directory.sharedTmpDir, 0o1777), (directory.taskDir, 0o755),
                             (directory.localDir, 0o777), (directory.secretsDir, 0o700), (directory.tmpDir, 0o1777)] {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
            try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
    }

    package func destroy(allocDir: String) async throws {
        guard FileManager.default.fileExists(atPath: allocDir) else { return }
        try FileManager.default.removeItem(atPath: allocDir)
    }
}
