import CCorralHost
import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// Receives the signals an operator sends to `corral` (through a signalfd, so no handler runs)
/// and passes them to the task's supervisor, which passes them to the task.
final class SignalForwarder {
    static let forwarded: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH]
    private let fd: Int32
    private var set = sigset_t()  // what is blocked, for the signalfd

    /// Blocks the forwarded signals in this thread (threads created later inherit the mask).
    init() {
        sigemptyset(&set)
        for signal in Self.forwarded { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        fd = Self.forwarded.withUnsafeBufferPointer { corral_signalfd($0.baseAddress, Int32($0.count)) }
    }

    /// The signals stay blocked: one that arrives after the task ended is dropped when corral exits,
    /// instead of killing corral before it reports the task's status and cleans up.
    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Hands each signal to `deliver` until the supervisor exits, then reaps it; returns its exit status.
    func forward(until task: LaunchedTask, deliver: (Int32) -> Void) -> Int32? {
        guard fd >= 0 else { return Launcher.reap(task.supervisorPID, pidfd: task.supervisorPidfd) }
        // Without a pidfd (kernels before 5.3), the supervisor's exit is seen by polling waitid.
        let exitFD = task.supervisorPidfd
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: exitFD, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, exitFD >= 0 ? 2 : 1, exitFD >= 0 ? -1 : 100) < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let signal = corral_signalfd_read(fd)
                if signal > 0 { deliver(signal) }
            }
            if exitFD >= 0 ? fds[1].revents != 0 : Self.hasExited(task.supervisorPID) { break }
        }
        return Launcher.reap(task.supervisorPID, pidfd: task.supervisorPidfd)
    }

    /// Whether the child `pid` has exited (left unreaped for `Launcher.reap`).
    private static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == pid
    }
}
