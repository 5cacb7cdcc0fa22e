import CorralCgroups

/// How the task's process relates to the host: isolated (new namespaces, its own root), a plain
/// host process (`raw_exec`), or a process joining a running task's namespaces (exec into it).
package enum LaunchMode: Equatable, Sendable {
    case isolated
    case host
    /// `pidfd` is the running task's main process (the caller's, open for the launch);
    /// `namespaces` its `CLONE_NEW*` namespaces to enter.
    case join(pidfd: Int32, namespaces: UInt64)
}

/// A fully resolved launch: every path, id and string the children need, checked on the host
/// side. `FlatPlan` turns it into the C `struct corral_plan`.
package struct LaunchPlan: Equatable, Sendable {
    package var namespaces: NamespaceSet
    package var mode: LaunchMode = .isolated
    /// Set the capability sets below; false keeps the caller's (a root `raw_exec` task keeps root's).
    package var applyCapabilities: Bool = true
    /// Switch to `identity`; false keeps the caller's user and groups.
    package var switchUser: Bool = true
    /// The host directory the root is assembled on (inside the state directory).
    package var rootMountpoint: String
    /// The image directory bound as root, or nil for a fresh tmpfs root.
    package var rootImage: String?
    /// Remount the root read-only once assembled (the chroot case: only /tmp and mounts stay writable).
    package var rootReadOnly: Bool
    package var mounts: [MountStep]
    package var hostname: String
    package var identity: UserIdentity
    package var rlimits: [ResourceLimit]
    /// The capability sets the task ends up with (applied around the user switch).
    package var capabilities: TaskCapabilities
    /// The highest capability number of this kernel: the bounding set is cut above the granted ones up to it.
    package var lastCapability: Int32
    /// Device-cgroup rules for the `--device` nodes (the standard set comes on top).
    package var deviceRules: [DeviceRule] = []
    /// The compiled seccomp filter (`struct sock_filter`s), installed right before `execve`; nil: none.
    package var seccompProgram: [UInt8]?
    package var workdir: String
    package var umask: UInt32 = 0o022
    package var noNewPrivileges: Bool = true
    /// Absolute paths inside the root to `execve`, in order (the `PATH` search done ahead of time).
    package var executableCandidates: [String]
    package var arguments: [String]
    package var environment: [String]
    package var terminal: Bool
    /// Things the user should know that did not stop the launch (e.g. a clamped rlimit).
    package var warnings: [String]
    /// Run the command under the helper as the task's init (`init = true`): it is PID 1, reaps
    /// orphans and forwards signals. Either way the helper runs from a sealed copy (`SealedHelper`).
    package var runUnderInit: Bool = false
    /// The init program (`corral-init`) to seal when `runUnderInit`; nil: `ProgramLocator.initProgram()`.
    package var helperPath: String?
    /// The exec program (`corral-exec`) to seal otherwise; nil: `ProgramLocator.execProgram()`.
    package var execHelperPath: String?
    /// The index in `mounts` from which steps are the user's (binds, tmpfs mounts, devices); the
    /// launch refuses any of them on or above corral's own /proc, /sys and /dev mounts. nil: none are.
    package var firstUserMount: Int?
}

extension LaunchPlan {
    /// Adds corral's own mount steps after the system ones and before the user's (which may not cover
    /// them). Only a plan that builds a root (an isolated task) has mounts to add to.
    package mutating func addSystemMounts(_ steps: [MountStep]) {
        guard mode == .isolated, !steps.isEmpty else { return }
        let index = firstUserMount ?? mounts.count
        mounts.insert(contentsOf: steps, at: index)
        if firstUserMount != nil { firstUserMount = index + steps.count }
    }
}
