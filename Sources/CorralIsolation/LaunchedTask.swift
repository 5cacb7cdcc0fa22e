#if canImport(Glibc)
import Glibc
#endif

/// How the task's standard streams are connected.
package enum TaskStdio: Sendable {
    /// stdin is the caller's; stdout and stderr go through pipes to the supervisor.
    case pipes
    /// A terminal: the slave is the task's 0, 1, 2 and controlling tty; the supervisor proxies the master.
    case terminal(master: Int32, slave: Int32)
}

/// Log rotation settings handed to the supervisor.
package struct LogRotation: Sendable, Equatable {
    package var maxFileBytes: Int
    package var maxFiles: Int
    package init(maxFileBytes: Int = 10 * 1024 * 1024, maxFiles: Int = 10) {
        self.maxFileBytes = maxFileBytes
        self.maxFiles = maxFiles
    }
}

/// Where the task's output goes and what the supervisor records. The defaults are `corral isolate`'s:
/// output copied to the caller and logged as stdout.log/stderr.log in the state directory, exit.json.
package struct SupervisorIO: Sendable {
    /// The log files; nil writes none.
    package var logs: LogFiles? = LogFiles()
    /// Copy the task's output to the supervisor's stdout and stderr.
    package var forward = true
    /// The supervisor's fds 0, 1 and 2 (its stdin feeds a terminal task); nil: the caller's.
    package var standardFDs: (Int32, Int32, Int32)?
    /// A file in the state directory (created, appended, never through a link) that becomes the
    /// supervisor's stderr: what it has to say (a log that stopped, a cgroup it could not remove).
    /// When it cannot be opened, `standardFDs`' stderr stays.
    package var diagnosticsLog: String?
    /// The task's stdin with `.pipes` (the caller's fd).
    package var taskStdin: Int32 = 0
    /// The supervisor writes exit.json into the state directory.
    package var recordExit = true
    /// The supervisor owns the cgroup the task is placed in: it records its usage and removes it
    /// after the task. False for a command run inside another task's cgroup (exec into a task).
    package var ownsCgroup = true

    package init() {}
}

/// Log files of a task: `stdoutName` and `stderrName` in `directory` (nil: the state directory).
package struct LogFiles: Sendable, Equatable {
    package var directory: String?
    package var stdoutName: String
    package var stderrName: String
    /// nil: the launcher's default.
    package var rotation: LogRotation?

    package init(directory: String? = nil, stdoutName: String = "stdout.log", stderrName: String = "stderr.log",
                rotation: LogRotation? = nil) {
        self.directory = directory
        self.stdoutName = stdoutName
        self.stderrName = stderrName
        self.rotation = rotation
    }
}

/// A started task: its supervisor (our child) and the task itself (the supervisor's child).
package struct LaunchedTask: Sendable {
    package let supervisorPID: pid_t
    /// A pidfd for the supervisor, or -1 on kernels without `CLONE_PIDFD`. Owned by the caller.
    package let supervisorPidfd: Int32
    package let taskPID: pid_t
}
