import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// How an exec or raw_exec driver instance is set up on this host (the agent's plugin config).
package struct DriverOptions: Sendable {
    /// Where each task's state directory goes: `<stateRoot>/<allocID>/<task>/<restart>`.
    package var stateRoot: String
    /// The cgroup every task's cgroup is created under, relative to each hierarchy's root.
    package var cgroupParent: String
    /// Host directories bound read-only into an exec task's root when its config names no `image`.
    package var chrootEnv: [String]
    /// The supervisor program; nil finds it next to the running executable.
    package var supervisorPath: String?
    /// The `init = true` program; nil finds it next to the running executable.
    package var initPath: String?
    /// The corral-exec program every other task execs its command through; nil: found next to corral.
    package var execPath: String?
    /// Crash-recovery tests only: SIGKILL this process at that point of every start.
    package var crashPoint: StartCrashPoint?
    /// What tasks may ask of the drivers (the agent's knobs); `corral run` allows everything.
    package var policy: DriverPolicy

    package init(stateRoot: String = "/run/corral/tasks", cgroupParent: String = "corral",
                chrootEnv: [String] = RootfsLayout.defaultChrootEnv, supervisorPath: String? = nil,
                initPath: String? = nil, execPath: String? = nil, policy: DriverPolicy = .unrestricted) {
        self.stateRoot = stateRoot
        self.cgroupParent = cgroupParent
        self.chrootEnv = chrootEnv
        self.supervisorPath = supervisorPath
        self.initPath = initPath
        self.execPath = execPath
        self.policy = policy
    }
}

/// The points of a driver start at which the crash-recovery tests kill the starting process
/// (`alloc-run --crash-in-start`): each must end in at most one run of the task.
package enum StartCrashPoint: String, Sendable, CaseIterable {
    /// The state directory and the cgroup exist; nothing is launched.
    case beforeLaunch = "before-launch"
    /// The supervisor and the task exist; the task waits at its start barrier, nothing is recorded.
    case atBarrier = "at-barrier"
    /// The run is recorded (handle.json) and not yet released: the supervisor finds the record when the
    /// gate closes unanswered and releases the task itself, so the command runs once.
    case afterRecord = "after-record"
    /// The command runs; the start has not returned its handle to the runner.
    case afterRelease = "after-release"

    func crashIfDue(_ configured: StartCrashPoint?) {
        if configured == self { kill(getpid(), SIGKILL) }
    }
}
