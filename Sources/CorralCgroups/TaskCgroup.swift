/// A task's cgroup, created and limited, with the placement the launcher needs. The caller closes
/// `placement` once the task has started, and calls `destroy` on every path where the task's
/// supervisor does not (a failed launch, a supervisor that died).
package struct TaskCgroup: Sendable {
    package let manager: any CgroupManager
    package let placement: CgroupPlacement
    package let limits: CgroupLimits
    /// What the operator should know about how the limits were applied.
    package let warnings: [String]
    /// What the task is shown of it at `/sys/fs/cgroup`.
    package let view: TaskCgroupView?

    /// Creates the cgroup `name` under `parent` with `limits` on this host. On any failure nothing
    /// is left behind.
    package static func create(name: String, parent: String = CgroupManagers.defaultParent, limits: CgroupLimits,
                              topology: CgroupTopology = .discover(),
                              fs: any CgroupFileSystem = LiveCgroupFileSystem()) throws(CgroupError) -> TaskCgroup {
        try blueprint(name: name, parent: parent, limits: limits, topology: topology, fs: fs).make()
    }

    /// What the cgroup `name` under `parent` will be, checked but not made yet: its directories and the
    /// task's view of it are known before `make` runs (which may run on another thread meanwhile).
    package static func blueprint(name: String, parent: String = CgroupManagers.defaultParent, limits: CgroupLimits,
                                 topology: CgroupTopology = .discover(),
                                 fs: any CgroupFileSystem = LiveCgroupFileSystem()) throws(CgroupError) -> Blueprint {
        let manager = try CgroupManagers.make(name: name, parent: parent, limits: limits, topology: topology, fs: fs)
        return Blueprint(manager: manager, limits: limits,
                         view: TaskCgroupView.of(directories: manager.directories, topology: topology))
    }

    /// A task's cgroup before it is made (`blueprint`).
    package struct Blueprint: Sendable {
        package let manager: any CgroupManager
        package let limits: CgroupLimits
        /// What the task will be shown of it at `/sys/fs/cgroup`.
        package let view: TaskCgroupView?

        /// The directories it will have: one on v2, one per hierarchy on v1.
        package var directories: [String] { manager.directories }

        /// Creates the directories, applies the limits and opens the placement. On any failure nothing
        /// is left behind.
        package func make() throws(CgroupError) -> TaskCgroup {
            try manager.create()
            do throws(CgroupError) {
                let warnings = try manager.apply(limits)
                let placement = try manager.openPlacement()
                return TaskCgroup(manager: manager, placement: placement, limits: limits, warnings: warnings, view: view)
            } catch {
                try? manager.remove()
                throw error
            }
        }
    }

    /// Kills what is left in the cgroup and removes it; nothing to do when the supervisor already did.
    package func destroy() throws(CgroupError) {
        try manager.destroy()
    }
}
