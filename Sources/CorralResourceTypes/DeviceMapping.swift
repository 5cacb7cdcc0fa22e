/// A host device node made available to a task (`--device HOST[:CONTAINER[:PERMS]]`, a job's
/// `devices` and a hook's device requests): the node appears at `containerPath` with the host node's
/// major and minor, and the device cgroup allows it for `permissions` (some of r, w, m). One type for
/// the driver API (`DeviceRequest` there), the cgroup layer (the device rules it grants) and the
/// isolation layer (the node it makes).
package struct DeviceMapping: Codable, Equatable, Sendable {
    package var hostPath: String
    /// Where it appears in the task (default: the host path).
    package var containerPath: String
    /// Device-cgroup access: some of `r`, `w`, `m`.
    package var permissions: String

    package init(hostPath: String, containerPath: String? = nil, permissions: String = "rwm") {
        self.hostPath = hostPath
        self.containerPath = containerPath ?? hostPath
        self.permissions = permissions
    }
}
