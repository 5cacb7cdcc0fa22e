/// A task's cgroup, created and limited, with the placement the launcher needs. The caller closes
/// `placement` once the task has started, and calls `destroy` on every path where the task's
/// supervisor does not (a failed launch, a supervisor that died).
public struct TaskCgroup: Sendable {
    public let manager: any CgroupManager
    public let placement: CgroupPlacement
    public let limits: CgroupLimits
    /// What the operator should know about how the limits were applied.
    public let warnings: [String]

    /// Creates the cgroup `name` under `parent` with `limits` on this host. On any failure nothing
    /// is left behind.
    public static func create(name: String, parent: String = CgroupManagers.defaultParent, limits: CgroupLimits,
                              topology: CgroupTopology = .discover(),
                              fs: any CgroupFileSystem = LiveCgroupFileSystem()) throws(CgroupError) -> TaskCgroup {
        let manager = try CgroupManagers.make(name: name, parent: parent, limits: limits, topology: topology, fs: fs)
        try manager.create()
        do throws(CgroupError) {
            let warnings = try manager.apply(limits)
            return TaskCgroup(manager: manager, placement: try manager.openPlacement(), limits: limits, warnings: warnings)
        } catch {
            try? manager.remove()
            throw error
        }
    }

    /// Kills what is left in the cgroup and removes it; nothing to do when the supervisor already did.
    public func destroy() throws(CgroupError) {
        try manager.destroy()
    }
}
