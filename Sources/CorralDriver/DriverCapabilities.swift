/// How a driver isolates a task's files (Nomad's `FSIsolation`).
package enum FilesystemIsolation: String, Codable, Sendable {
    /// The task sees the host's file system.
    case none
    /// The task runs in a root built from host directories.
    case chroot
    /// The task runs in an image's root.
    case image
}

/// What a driver can do, so that the runner and the user know what to expect.
package struct DriverCapabilities: Codable, Equatable, Sendable {
    package var sendSignals: Bool
    package var exec: Bool
    package var fsIsolation: FilesystemIsolation

    package init(sendSignals: Bool, exec: Bool, fsIsolation: FilesystemIsolation) {
        self.sendSignals = sendSignals
        self.exec = exec
        self.fsIsolation = fsIsolation
    }

    enum CodingKeys: String, CodingKey {
        case exec
        case sendSignals = "send_signals"
        case fsIsolation = "fs_isolation"
    }
}
