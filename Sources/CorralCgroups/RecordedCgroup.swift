/// Managers for cgroups that a record names (a driver's `handle.json`, `corral isolate`'s
/// `task.json`): for killing and removing a task's cgroup after the process that made it is gone.
/// The recorded directories are only believed when they are the very directories corral makes for
/// that name on this host: a record can never lead to a kill or an rmdir anywhere else.
extension CgroupManagers {
    /// A manager for the cgroup `name` under `parent` whose directories were `directories` (limits
    /// are not re-applied), or nil when the host's layout does not give them. A task with limits of
    /// other v1 controllers (cpu, pids, cpuset, devices) gets the hierarchies of those among every
    /// controller corral uses that it joined, so that all of its directories are reached, and no other.
    package static func recorded(name: String, parent: String, directories: [String],
                                 topology: CgroupTopology = .discover(),
                                 fs: any CgroupFileSystem = LiveCgroupFileSystem()) -> (any CgroupManager)? {
        if let manager = try? make(name: name, parent: parent, limits: CgroupLimits(), topology: topology, fs: fs),
           manager.directories == directories {
            return manager
        }
        guard let manager = try? makeForCleanup(name: name, parent: parent, topology: topology, fs: fs),
              Set(directories).isSubset(of: manager.directories) else { return nil }
        return (manager as? CgroupV1Manager)?.restricted(to: directories) ?? manager
    }

    /// The same for a record that names no parent (`task.json`): the parent is read off the first
    /// directory, `<mount>/<parent>/<name>` beneath one of this host's cgroup mounts, and every
    /// directory must then match as above.
    package static func recorded(name: String, directories: [String], topology: CgroupTopology = .discover(),
                                 fs: any CgroupFileSystem = LiveCgroupFileSystem()) -> (any CgroupManager)? {
        guard let first = directories.first, let parent = parent(of: first, name: name, topology: topology) else { return nil }
        return recorded(name: name, parent: parent, directories: directories, topology: topology, fs: fs)
    }

    /// `<parent>` of a directory `<mount>/<parent>/<name>`, for a cgroup mount of this host; nil for
    /// anything else.
    static func parent(of directory: String, name: String, topology: CgroupTopology) -> String? {
        let mounts = Set([topology.unifiedMount].compactMap { $0 } + topology.v1Mounts.values)
        for mount in mounts where directory.hasPrefix(mount + "/") {
            let components = directory.dropFirst(mount.count + 1).split(separator: "/", omittingEmptySubsequences: false)
            guard components.count >= 2, components.last.map(String.init) == name,
                  !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else { continue }
            return components.dropLast().joined(separator: "/")
        }
        return nil
    }
}
