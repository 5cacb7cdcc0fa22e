#if canImport(Glibc)
import Glibc
#endif

/// How the task's standard streams are connected.
public enum TaskStdio: Sendable {
    /// stdin is the caller's; stdout and stderr go through pipes to the supervisor.
    case pipes
    /// A terminal: the slave is the task's 0, 1, 2 and controlling tty; the supervisor proxies the master.
    case terminal(master: Int32, slave: Int32)
}

/// Log rotation settings handed to the supervisor.
public struct LogRotation: Sendable, Equatable {
    public var maxFileBytes: Int
    public var maxFiles: Int
    public init(maxFileBytes: Int = 10 * 1024 * 1024, maxFiles: Int = 10) {
        self.maxFileBytes = maxFileBytes
        self.maxFiles = maxFiles
    }
}

/// A started task: its supervisor (our child) and the task itself (the supervisor's child).
public struct LaunchedTask: Sendable {
    public let supervisorPID: pid_t
    /// A pidfd for the supervisor, or -1 on kernels without `CLONE_PIDFD`. Owned by the caller.
    public let supervisorPidfd: Int32
    public let taskPID: pid_t
}
