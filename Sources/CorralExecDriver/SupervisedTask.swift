import CCorralHost
import CorralCgroups
import CorralDriver
import CorralIsolation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One task started (or recovered) by the exec or raw_exec driver: its supervisor, its main process
/// and its cgroup. Its exit is observed once, through the supervisor's pidfd, and shared by every
/// waiter.
///
/// The pidfds live exactly as long as this object, and are closed by `deinit`: whoever holds the
/// object may use them, and a closed fd number (which the next `open` may reuse for another task's
/// pidfd) is never signalled. The completion task holds the object until the supervisor has exited.
final class SupervisedTask: Sendable {
    let config: TaskConfig
    let state: SupervisedTaskState
    let cgroup: (any CgroupManager)?
    /// A pidfd of the supervisor (not necessarily our child: after a restart it is init's); -1 when
    /// the supervisor had already gone when the task was recovered (its exit.json tells the end).
    let supervisorPidfd: Int32
    /// A pidfd of the task's main process, -1 when it had already gone.
    let taskPidfd: Int32
    private let outcome = ExitBox()
    private let completion = Mutex<Task<ExitResult, Never>?>(nil)

    init(config: TaskConfig, state: SupervisedTaskState, cgroup: (any CgroupManager)?, supervisorPidfd: Int32,
         taskPidfd: Int32) {
        self.config = config
        self.state = state
        self.cgroup = cgroup
        self.supervisorPidfd = supervisorPidfd
        self.taskPidfd = taskPidfd
        if supervisorPidfd < 0 {
            // Recovered after the supervisor had gone: the record tells the end, known right away.
            let result = Self.readExit(stateDirectory: state.stateDirectory, supervisorStatus: nil)
            outcome.value.withLock { $0 = (result, Timestamp.now()) }
            completion.withLock { $0 = Task { result } }
            return
        }
        let watch = Task { [self] in
            await ExitWatcher.shared.waitForExit(pidfd: supervisorPidfd)
            // Our child when we started it in this process: reap it (elsewise init does).
            var code: Int32 = 0, status: Int32 = 0
            let reaped = corral_pidfd_wait(supervisorPidfd, &code, &status) == 0
            let result = Self.readExit(stateDirectory: state.stateDirectory,
                                       supervisorStatus: reaped ? (code == CLD_EXITED ? status : 128 + status) : nil)
            outcome.value.withLock { $0 = (result, Timestamp.now()) }
            return result
        }
        completion.withLock { $0 = watch }
    }

    deinit {
        if supervisorPidfd >= 0 { close(supervisorPidfd) }
        if taskPidfd >= 0 { close(taskPidfd) }
    }

    /// Waits for the task to end.
    func wait() async -> ExitResult {
        await completion.withLock { $0! }.value
    }

    /// The exit, once it is known (without waiting).
    var exit: (result: ExitResult, at: String)? {
        outcome.value.withLock { $0 }
    }

    /// Sends `signal` to the task's main process. Throws `.taskNotRunning` once it is gone.
    func send(_ signal: Int32) throws(DriverError) {
        guard taskPidfd >= 0 else { throw .taskNotRunning(id: config.id) }
        let rc = corral_pidfd_send_signal(taskPidfd, signal)
        if rc == -ESRCH { throw .taskNotRunning(id: config.id) }
        if rc < 0 {
            throw .failed(operation: "send signal \(signal) to task \(config.id)", reason: String(cString: strerror(-rc)),
                          recoverable: false)
        }
    }

    /// Kills every process of the task: the whole cgroup (grandchildren included), and the main
    /// process by its pidfd (which also ends its pid namespace). With neither (a recovered task whose
    /// main process and cgroup could not be found again), the supervisor itself: the task has SIGKILL
    /// as its parent-death signal.
    func killAll() {
        if taskPidfd >= 0 { _ = corral_pidfd_send_signal(taskPidfd, SIGKILL) }
        if let cgroup { try? cgroup.kill() }
        if taskPidfd < 0 && cgroup == nil && supervisorPidfd >= 0 {
            _ = corral_pidfd_send_signal(supervisorPidfd, SIGKILL)
        }
    }

    /// How the task ended, from the supervisor's exit.json.
    static func readExit(stateDirectory: String, supervisorStatus: Int32?) -> ExitResult {
        do {
            let record = try TaskExit.read(from: StateDirectory(path: stateDirectory))
            var result = ExitResult(exitCode: record.exitCode, signal: record.signal, oomKilled: record.oomKilled)
            if record.logDroppedBytes > 0 { result.logDroppedBytes = record.logDroppedBytes }
            return result
        } catch {
            let status = supervisorStatus.map { "exited with \($0)" } ?? "is gone"
            return ExitResult(exitCode: -1, error: "the task's supervisor \(status) without recording the task's exit "
                              + "(\(error.description)); the task was killed with it")
        }
    }
}

/// The task's exit and when it was seen, set once by the completion task.
final class ExitBox: Sendable {
    let value = Mutex<(result: ExitResult, at: String)?>(nil)
}
