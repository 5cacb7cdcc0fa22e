import CCorralLaunch

/// Whether a task gets its own instance of a namespace or shares the host's.
package enum NamespaceSharing: String, CaseIterable, Sendable, Codable {
    case `private`
    case host
}

/// A task's network: `none` is a new network namespace holding only `lo` (up); `host` shares the host's.
package enum NetworkMode: String, CaseIterable, Sendable, Codable {
    case none
    case host
}

/// The set of namespaces a task is cloned into. Mount, UTS and cgroup are always new.
package struct NamespaceSet: Equatable, Sendable {
    package var network: NetworkMode
    package var pid: NamespaceSharing
    package var ipc: NamespaceSharing

    package init(network: NetworkMode = .none, pid: NamespaceSharing = .private, ipc: NamespaceSharing = .private) {
        self.network = network
        self.pid = pid
        self.ipc = ipc
    }

    /// Whether the task gets a cgroup namespace of its own (its cgroup then is the root it sees).
    package var cgroupIsNew: Bool { cloneFlags & corral_clone_newcgroup() != 0 }

    /// The `CLONE_NEW*` flags for `clone3`.
    package var cloneFlags: UInt64 {
        var flags = corral_clone_newns() | corral_clone_newuts() | corral_clone_newcgroup()
        if network == .none { flags |= corral_clone_newnet() }
        if pid == .private { flags |= corral_clone_newpid() }
        if ipc == .private { flags |= corral_clone_newipc() }
        return flags
    }
}
