import CorralCgroups
import CorralIsolation

/// What the exec and raw_exec drivers keep in a `TaskHandle` (`driverState`, as JSON): everything
/// `recover` needs to find the task again and to prove it is the same task.
struct SupervisedTaskState: Codable, Equatable, Sendable {
    /// The task's supervisor (the task's parent; it outlives the runner).
    var supervisor: ProcessIdentity
    /// The task's main process; nil when it had already exited when the start returned.
    var task: ProcessIdentity?
    var cgroup: CgroupRecord?
    /// Holds exit.json once the task has ended (and is the task's root mount point, for exec).
    var stateDirectory: String
    /// RFC 3339, UTC.
    var startedAt: String
    /// The `CLONE_NEW*` namespaces an exec into the task enters (0: none, raw_exec).
    var namespaces: UInt64
    /// The kernel's boot id when the task started (/proc/sys/kernel/random/boot_id).
    var bootID: String?

    enum CodingKeys: String, CodingKey {
        case supervisor, task, cgroup, namespaces
        case bootID = "boot_id"
        case stateDirectory = "state_directory"
        case startedAt = "started_at"
    }
}

/// Where a task's cgroup is: enough to rebuild its manager after a restart.
struct CgroupRecord: Codable, Equatable, Sendable {
    var parent: String
    var name: String
    var directories: [String]

    /// A manager for the recorded cgroup on this host (limits are not re-applied), or nil when the
    /// host's layout no longer gives the recorded directories (`CgroupManagers.recorded`).
    func manager() -> (any CgroupManager)? {
        CgroupManagers.recorded(name: name, parent: parent, directories: directories)
    }

    /// The cgroup's path relative to its hierarchy's root, as /proc/PID/cgroup shows it.
    var relativePath: String { parent + "/" + name }
}
