import CCorralHost
import CorralCgroups
import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// How `corral kill` reaches a running isolate task. Every process is signalled through a pidfd that
/// was proven to be the recorded process after it was opened, never by a bare pid.
///
/// - The signals the supervisor forwards go to the supervisor, which passes them to the task (as a
///   signal to `corral isolate` would).
/// - SIGKILL goes to the task's main process and to every process of the task's cgroup: killing the
///   supervisor instead would take the task with it (its parent-death signal) but leave no exit
///   record. The supervisor then records the kill and removes the cgroup, as after any end.
/// - Any other signal (SIGSTOP, a real-time one) goes to the main process itself: the supervisor
///   does not catch it, and would be stopped or killed by it.
enum IsolateSignal {
    /// The supervisor's `forwarded[]` (Sources/corral-supervisor/main.c; `IsolateCommandTests` holds
    /// the two together).
    static let forwardedBySupervisor: Set<Int32> = [
        SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGWINCH,
    ]

    static func send(_ signal: Int32, to record: TaskRecord, supervisorPidfd: Int32) throws(CLIFailure) {
        if forwardedBySupervisor.contains(signal) {
            let rc = corral_pidfd_send_signal(supervisorPidfd, signal)
            guard rc >= 0 else {
                throw CLIFailure("cannot signal the supervisor of \(record.id): \(String(cString: strerror(-rc)))")
            }
            return
        }
        let taskPidfd = openTaskPidfd(record)
        defer { if taskPidfd >= 0 { close(taskPidfd) } }
        if signal == SIGKILL {
            if taskPidfd >= 0 { _ = corral_pidfd_send_signal(taskPidfd, SIGKILL) }
            let cgroup = CgroupManagers.recorded(name: record.id, directories: record.cgroups)
            guard taskPidfd >= 0 || cgroup != nil else {
                throw CLIFailure("cannot reach the task \(record.id): its main process is gone and it has no cgroup")
            }
            do { try cgroup?.kill() } catch {
                // The supervisor removes the cgroup once the task is dead: a cgroup gone meanwhile is no failure.
                if record.cgroups.contains(where: { access($0, F_OK) == 0 }) {
                    throw CLIFailure("cannot kill the processes of \(record.id): \(error.description)")
                }
            }
            return
        }
        guard taskPidfd >= 0 else { throw CLIFailure("cannot reach the task \(record.id): its main process is gone") }
        let rc = corral_pidfd_send_signal(taskPidfd, signal)
        guard rc >= 0 else { throw CLIFailure("cannot signal the task \(record.id): \(String(cString: strerror(-rc)))") }
    }

    /// A pidfd for the task's main process: the supervisor's child (`TaskProcess`) and, when the record
    /// has it, started at the recorded time; -1 otherwise.
    static func openTaskPidfd(_ record: TaskRecord) -> Int32 {
        let pidfd = TaskProcess.openValidatedPidfd(taskPID: record.taskPID, supervisorPID: record.supervisorPID)
        guard pidfd >= 0 else { return -1 }
        if let task = record.task, !task.isAlive {
            close(pidfd)
            return -1
        }
        return pidfd
    }
}
