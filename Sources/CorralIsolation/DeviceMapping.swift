import CorralCgroups

/// `--device HOST[:CONTAINER[:PERMS]]`: a host device node made available to the task, with the
/// same major and minor, and allowed in the device cgroup for `permissions` (some of r, w, m).
public struct DeviceMapping: Equatable, Sendable {
    public var hostPath: String
    public var containerPath: String
    public var permissions: String

    public init(hostPath: String, containerPath: String? = nil, permissions: String = "rwm") {
        self.hostPath = hostPath
        self.containerPath = containerPath ?? hostPath
        self.permissions = permissions
    }

    /// Parses `HOST[:CONTAINER[:PERMS]]`; nil when it has more parts or empty ones.
    public init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(hostPath: parts[0], containerPath: parts.count > 1 ? parts[1] : nil,
                  permissions: parts.count > 2 ? parts[2] : "rwm")
    }
}

/// A host device node's identity.
public struct DeviceNode: Equatable, Sendable {
    public var isBlock: Bool
    public var major: UInt32
    public var minor: UInt32
    /// Permission bits (0o777).
    public var permissions: UInt32

    public init(isBlock: Bool, major: UInt32, minor: UInt32, permissions: UInt32) {
        self.isBlock = isBlock
        self.major = major
        self.minor = minor
        self.permissions = permissions
    }
}
