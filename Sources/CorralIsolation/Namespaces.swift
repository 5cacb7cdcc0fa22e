import CCorralLaunch

/// Whether a task gets its own instance of a namespace or shares the host's.
public enum NamespaceSharing: String, CaseIterable, Sendable, Codable {
    case `private`
    case host
}

/// A task's network: `none` is a new network namespace holding only `lo` (up); `host` shares the host's.
public enum NetworkMode: String, CaseIterable, Sendable, Codable {
    case none
    case host
}

/// The set of namespaces a task is cloned into. Mount, UTS and cgroup are always new.
public struct NamespaceSet: Equatable, Sendable {
    public var network: NetworkMode
    public var pid: NamespaceSharing
    public var ipc: NamespaceSharing

    public init(network: NetworkMode = .none, pid: NamespaceSharing = .private, ipc: NamespaceSharing = .private) {
        self.network = network
        self.pid = pid
        self.ipc = ipc
    }

    /// The `CLONE_NEW*` flags for `clone3`.
    public var cloneFlags: UInt64 {
        var flags = corral_clone_newns() | corral_clone_newuts() | corral_clone_newcgroup()
        if network == .none { flags |= corral_clone_newnet() }
        if pid == .private { flags |= corral_clone_newpid() }
        if ipc == .private { flags |= corral_clone_newipc() }
        return flags
    }
}
