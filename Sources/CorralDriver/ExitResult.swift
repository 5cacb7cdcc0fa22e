/// How a task ended (Nomad's `ExitResult`).
package struct ExitResult: Codable, Equatable, Sendable {
    /// The exit code; 128 + N when signal N killed the task (the shell's convention).
    package var exitCode: Int32
    /// The signal that killed the task, or 0.
    package var signal: Int32
    /// The kernel's OOM killer killed a process of the task.
    package var oomKilled: Bool
    /// Why the driver could not tell how the task ended, if it could not.
    package var error: String?
    /// Bytes of the task's output its logs dropped while their file system was full (nil: none).
    package var logDroppedBytes: UInt64?

    package init(exitCode: Int32, signal: Int32 = 0, oomKilled: Bool = false, error: String? = nil) {
        self.exitCode = exitCode
        self.signal = signal
        self.oomKilled = oomKilled
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case signal, error
        case exitCode = "exit_code"
        case oomKilled = "oom_killed"
        case logDroppedBytes = "log_dropped_bytes"
    }

    /// Exited with 0, by itself.
    package var successful: Bool { exitCode == 0 && signal == 0 && error == nil }
}
