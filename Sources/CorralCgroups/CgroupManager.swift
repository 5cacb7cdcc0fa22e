#if canImport(Glibc)
import Glibc
#endif

/// Owns one task's cgroup from creation to removal. One implementation per cgroup version;
/// `CgroupManagers.make` picks the one this host needs.
///
/// Life of a task's cgroup: `create`, `apply`, `openPlacement` (the launcher puts the task in
/// before it runs a single instruction of its own), then `stats`, `freeze`/`thaw` and `kill` while
/// it runs, and `remove` once it is gone. `remove` and `kill` are idempotent, so every failure path
/// can call `destroy` whatever was created.
package protocol CgroupManager: Sendable {
    var version: CgroupVersion { get }
    /// The directories that make up the task's cgroup: one on v2, one per hierarchy on v1.
    var directories: [String] { get }
    /// Creates the parents (if needed; they are shared and stay) and the task's cgroup. On failure
    /// no task directory is left (v1 removes the hierarchies it had done; v2 has only one).
    func create() throws(CgroupError)
    /// Writes the limits; a value the kernel refuses fails with the file, value and errno. Returns
    /// what the operator should know although it did not stop the task (e.g. swap left unaccounted).
    @discardableResult
    func apply(_ limits: CgroupLimits) throws(CgroupError) -> [String]
    /// Opens what the launcher needs to start a process inside the cgroup.
    func openPlacement() throws(CgroupError) -> CgroupPlacement
    /// Reads the current counters.
    func stats() throws(CgroupError) -> CgroupStats
    /// How many processes of the cgroup the OOM killer has killed.
    func oomKillCount() -> UInt64
    func freeze() throws(CgroupError)
    func thaw() throws(CgroupError)
    /// Kills every process in the cgroup and the cgroups below it, and waits until it is empty.
    func kill() throws(CgroupError)
    /// Removes the task's directories, and any cgroup the task made below them, deepest first (not
    /// the shared parent). Missing ones are fine.
    func remove() throws(CgroupError)
}

extension CgroupManager {
    /// Kills whatever is left and removes the cgroup.
    package func destroy() throws(CgroupError) {
        try kill()
        try remove()
    }
}

/// What the launcher needs to place a task in its cgroup. The fds are the caller's to close
/// (`close()`), once the task has started.
package struct CgroupPlacement: Sendable, Equatable {
    /// v2: the cgroup directory, for `clone3(CLONE_INTO_CGROUP)`; -1 on v1.
    package var cloneIntoFD: Int32
    /// A file per directory that the task writes "0" into to join it, when it was not cloned into
    /// its cgroup (v1: `tasks`; v2 without clone3: `cgroup.procs`).
    package var procsFDs: [Int32]
    /// The directories, for the supervisor to clean up after the task.
    package var directories: [String]

    package init(cloneIntoFD: Int32, procsFDs: [Int32], directories: [String]) {
        self.cloneIntoFD = cloneIntoFD
        self.procsFDs = procsFDs
        self.directories = directories
    }

    package func close() {
        if cloneIntoFD >= 0 { _ = Glibc.close(cloneIntoFD) }
        for fd in procsFDs { _ = Glibc.close(fd) }
    }
}

/// Chooses and builds the manager for this host.
package enum CgroupManagers {
    /// The parent every task cgroup is created under, relative to each hierarchy's root.
    package static let defaultParent = "corral"

    /// A manager for the cgroup `name` under `parent`, able to enforce `limits`. Throws when a
    /// controller the limits need is missing, or when the host has no usable cgroup hierarchy.
    package static func make(name: String, parent: String = defaultParent, limits: CgroupLimits,
                            topology: CgroupTopology,
                            fs: any CgroupFileSystem = LiveCgroupFileSystem()) throws(CgroupError) -> any CgroupManager {
        try limits.validate()
        let parentComponents = try components(of: parent, what: "cgroup parent")
        _ = try components(of: name, what: "cgroup name")
        guard !name.contains("/") else { throw .invalidLimit("cgroup name \"\(name)\" must not contain '/'") }
        switch topology.version {
        case .v2:
            return try CgroupV2Manager(mount: topology.unifiedMount!, parent: parentComponents, name: name,
                                       available: topology.unifiedControllers, limits: limits, fs: fs)
        case .v1:
            return try CgroupV1Manager(mounts: topology.v1Mounts, parent: parentComponents, name: name,
                                       limits: limits, fs: fs)
        case nil:
            throw .unavailable(controller: limits.requiredControllers.sorted().first ?? "memory",
                               reason: "no cgroup hierarchy is mounted (see /proc/self/mountinfo)")
        }
    }

    /// A manager of the cgroup `name` under `parent` in every hierarchy corral may have created it in
    /// (v1: every controller it uses, whatever the task's limits were; v2: the one), for killing and
    /// removing what is left of a task whose limits are unknown (a start cut short by a crash).
    package static func makeForCleanup(name: String, parent: String = defaultParent, topology: CgroupTopology,
                                       fs: any CgroupFileSystem = LiveCgroupFileSystem()) throws(CgroupError) -> any CgroupManager {
        guard topology.version == .v1 else { return try make(name: name, parent: parent, limits: CgroupLimits(), topology: topology, fs: fs) }
        let parentComponents = try components(of: parent, what: "cgroup parent")
        _ = try components(of: name, what: "cgroup name")
        guard !name.contains("/") else { throw .invalidLimit("cgroup name \"\(name)\" must not contain '/'") }
        return try CgroupV1Manager(mounts: topology.v1Mounts, parent: parentComponents, name: name, limits: CgroupLimits(),
                                   fs: fs, everyController: true)
    }

    /// Splits a relative cgroup path, refusing `..`, `.` and absolute paths outside the hierarchy.
    package static func components(of path: String, what: String) throws(CgroupError) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        guard !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else {
            throw .invalidLimit("\(what) \"\(path)\": expected a relative path like corral or jobs/web, without . or ..")
        }
        return parts
    }
}
