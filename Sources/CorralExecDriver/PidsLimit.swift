/// Every driver task has a pids limit unless its config says `pids_limit = 0`: one task's fork bomb
/// cannot take the host's pids (the default is Podman's, 2048).
enum PidsLimit {
    static let defaultLimit = 2048

    /// The driver config's `pids_limit` wins (0: none), then the task's resources, then the default.
    static func resolve(configured: Int?, resources: Int?) -> Int? {
        if let configured { return configured == 0 ? nil : configured }
        return resources ?? defaultLimit
    }
}
