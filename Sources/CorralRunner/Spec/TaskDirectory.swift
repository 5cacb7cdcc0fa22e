/// Where a task's files live on the host (docs/architecture.md, section 1): the allocation directory shared by the
/// group's tasks, with `alloc/{data,logs,tmp}`, and the task's own directory with `local/`,
/// `secrets/` (a 0700 tmpfs) and `tmp/`.
package struct TaskDirectory: Codable, Equatable, Sendable {
    /// `<alloc root>/<alloc id>`.
    package var allocDir: String
    /// `<allocDir>/<task name>`.
    package var taskDir: String

    package init(allocDir: String, taskDir: String) {
        self.allocDir = allocDir
        self.taskDir = taskDir
    }

    package init(allocRoot: String, allocID: String, task: String) {
        let root = allocRoot.hasSuffix("/") ? String(allocRoot.dropLast()) : allocRoot
        self.allocDir = root + "/" + allocID
        self.taskDir = allocDir + "/" + task
    }

    enum CodingKeys: String, CodingKey {
        case allocDir = "alloc_dir"
        case taskDir = "task_dir"
    }

    /// `alloc/`: shared by the group's tasks.
    package var sharedDir: String { allocDir + "/alloc" }
    package var sharedDataDir: String { sharedDir + "/data" }
    package var logDir: String { sharedDir + "/logs" }
    package var sharedTmpDir: String { sharedDir + "/tmp" }
    package var localDir: String { taskDir + "/local" }
    package var secretsDir: String { taskDir + "/secrets" }
    package var tmpDir: String { taskDir + "/tmp" }

    /// The paths a task sees for `alloc/`, `local/` and `secrets/`: the host paths when the driver
    /// does not isolate the filesystem, `/alloc`, `/local`, `/secrets` when it does.
    package func visiblePaths(isolated: Bool) -> (alloc: String, local: String, secrets: String) {
        isolated ? ("/alloc", "/local", "/secrets") : (sharedDir, localDir, secretsDir)
    }
}
