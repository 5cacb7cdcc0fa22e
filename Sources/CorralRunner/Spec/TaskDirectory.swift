/// Where a task's files live on the host (DESIGN.md §4): the allocation directory shared by the
/// group's tasks, with `alloc/{data,logs,tmp}`, and the task's own directory with `local/`,
/// `secrets/` (a 0700 tmpfs) and `tmp/`.
public struct TaskDirectory: Codable, Equatable, Sendable {
    /// `<alloc root>/<alloc id>`.
    public var allocDir: String
    /// `<allocDir>/<task name>`.
    public var taskDir: String

    public init(allocDir: String, taskDir: String) {
        self.allocDir = allocDir
        self.taskDir = taskDir
    }

    public init(allocRoot: String, allocID: String, task: String) {
        let root = allocRoot.hasSuffix("/") ? String(allocRoot.dropLast()) : allocRoot
        self.allocDir = root + "/" + allocID
        self.taskDir = allocDir + "/" + task
    }

    enum CodingKeys: String, CodingKey {
        case allocDir = "alloc_dir"
        case taskDir = "task_dir"
    }

    /// `alloc/`: shared by the group's tasks.
    public var sharedDir: String { allocDir + "/alloc" }
    public var sharedDataDir: String { sharedDir + "/data" }
    public var logDir: String { sharedDir + "/logs" }
    public var sharedTmpDir: String { sharedDir + "/tmp" }
    public var localDir: String { taskDir + "/local" }
    public var secretsDir: String { taskDir + "/secrets" }
    public var tmpDir: String { taskDir + "/tmp" }

    /// The paths a task sees for `alloc/`, `local/` and `secrets/`: the host paths when the driver
    /// does not isolate the filesystem, `/alloc`, `/local`, `/secrets` when it does.
    public func visiblePaths(isolated: Bool) -> (alloc: String, local: String, secrets: String) {
        isolated ? ("/alloc", "/local", "/secrets") : (sharedDir, localDir, secretsDir)
    }
}
