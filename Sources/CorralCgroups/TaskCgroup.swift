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
        let manager = try CgroupManagers.make(name: name, parent: parent, limits: limits, topology: topology, fs: fs)
        try manager.create()
        do throws(CgroupError) {
            let warnings = try manager.apply(limits)
            let placement = try manager.openPlacement()
            return TaskCgroup(manager: manager, placement: placement, limits: limits, warnings: warnings,
                              view: TaskCgroupView.of(directories: placement.directories, topology: topology))
        } catch {
            try? manager.remove()
            throw error
        }
    }

    /// Kills what is left in the cgroup and removes it; nothing to do when the supervisor already did.
    package func destroy() throws(CgroupError) {
        try manager.destroy()
    }
}
