import CorralCgroups
import CorralResourceTypes

/// `--device HOST[:CONTAINER[:PERMS]]` (the type is in CorralCgroups, shared with the driver API).
extension DeviceMapping {
    /// Parses `HOST[:CONTAINER[:PERMS]]`; nil when it has more parts or empty ones.
    package init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(hostPath: parts[0], containerPath: parts.count > 1 ? parts[1] : nil,
                  permissions: parts.count > 2 ? parts[2] : "rwm")
    }
}

/// A host device node's identity.
package struct DeviceNode: Equatable, Sendable {
    package var isBlock: Bool
    package var major: UInt32
    package var minor: UInt32
    /// Permission bits (0o777).
    package var permissions: UInt32

    package init(isBlock: Bool, major: UInt32, minor: UInt32, permissions: UInt32) {
        self.isBlock = isBlock
        self.major = major
        self.minor = minor
        self.permissions = permissions
    }
}
