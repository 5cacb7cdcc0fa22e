/// What a task sees at `/sys/fs/cgroup`: its own cgroup, mounted read-only inside its cgroup namespace
/// (whose root is the task's cgroup), so that runtimes that size themselves from their limits (the JVM,
/// Node, Go, `nproc`-style tools) find them. Only the hierarchies the task has a cgroup of its own in
/// are shown: a hierarchy it was not placed in would show the caller's cgroup instead.
package enum TaskCgroupView: Equatable, Sendable {
    /// cgroup v2: the unified hierarchy, its root the task's cgroup.
    case unified
    /// cgroup v1: one directory per hierarchy, named as on the host (`cpu,cpuacct`), with a symlink
    /// for each controller of a co-mounted one (`cpu -> cpu,cpuacct`), as runtimes lay them out.
    case hierarchies([V1Hierarchy])

    /// One v1 hierarchy: the name of its directory and the controllers it is mounted with (exactly
    /// its controllers on the host: the kernel refuses any other set for an existing hierarchy).
    package struct V1Hierarchy: Equatable, Sendable {
        package var name: String
        package var controllers: [String]

        package init(name: String, controllers: [String]) {
            self.name = name
            self.controllers = controllers
        }
    }

    /// The view of a task whose cgroup directories are `directories` (one per hierarchy on v1); nil when
    /// there is nothing to show.
    package static func of(directories: [String], topology: CgroupTopology) -> TaskCgroupView? {
        guard let version = topology.version, !directories.isEmpty else { return nil }
        if version == .v2 { return .unified }
        var byMount: [String: [String]] = [:]
        for (controller, mount) in topology.v1Mounts { byMount[mount, default: []].append(controller) }
        var hierarchies: [V1Hierarchy] = []
        for directory in directories {
            guard let mount = byMount.keys.filter({ directory.hasPrefix($0 + "/") }).max(by: { $0.count < $1.count }),
                  let name = mount.split(separator: "/").last.map(String.init),
                  !hierarchies.contains(where: { $0.name == name }) else { continue }
            hierarchies.append(V1Hierarchy(name: name, controllers: (byMount[mount] ?? []).sorted()))
        }
        return hierarchies.isEmpty ? nil : .hierarchies(hierarchies.sorted { $0.name < $1.name })
    }
}
