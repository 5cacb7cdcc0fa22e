import CorralCgroups

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
    /// host's layout no longer gives the recorded directories. A task with limits of other v1
    /// controllers (cpu, pids, cpuset, devices) gets the manager of every hierarchy, so that all of
    /// its directories are removed.
    func manager() -> (any CgroupManager)? {
        let topology = CgroupTopology.discover()
        if let manager = try? CgroupManagers.make(name: name, parent: parent, limits: CgroupLimits(), topology: topology),
           manager.directories == directories {
            return manager
        }
        guard let manager = try? CgroupManagers.makeForCleanup(name: name, parent: parent, topology: topology),
              Set(directories).isSubset(of: manager.directories) else { return nil }
        return manager
    }

    /// The cgroup's path relative to its hierarchy's root, as /proc/PID/cgroup shows it.
    var relativePath: String { parent + "/" + name }
}
