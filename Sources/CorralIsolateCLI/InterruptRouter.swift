import CCorralHost
import CorralCgroups
import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// Delivers each signal `corral isolate` receives to its task, and ends the task with SIGKILL when
/// `InterruptPolicy` says an interrupt cannot or will not take effect. On a terminal, Ctrl-C and
/// Ctrl-\ reach the task as the keys themselves (its terminal makes the signal for its foreground
/// process group, as without corral); every other signal goes to the supervisor, which passes it to
/// the task's main process.
final class InterruptRouter {
    private let task: LaunchedTask
    private let cgroup: TaskCgroup?
    private let terminal: TerminalSession?
    /// The operator's Ctrl-C and Ctrl-\ signal corral (TerminalSession.enterRawMode): forward them as keys.
    private let signalKeys: Bool
    /// The task's main process is PID 1 of a pid namespace of its own.
    private let namespaceInit: Bool
    /// The task's main process, for SIGKILL (ending it ends its pid namespace); -1 if it is gone already.
    private let taskPidfd: Int32
    private var policy = InterruptPolicy()

    /// `taskPidfd`: the task's main process, opened while it was still starting (so the pid cannot have
    /// been reused); the router owns it from here.
    init(task: LaunchedTask, taskPidfd: Int32, cgroup: TaskCgroup?, terminal: TerminalSession?, signalKeys: Bool,
         privatePidNamespace: Bool) {
        self.task = task
        self.signalKeys = signalKeys
        self.cgroup = cgroup
        self.terminal = terminal
        namespaceInit = privatePidNamespace
        self.taskPidfd = taskPidfd
    }

    deinit {
        if taskPidfd >= 0 { close(taskPidfd) }
    }

    func deliver(_ signal: Int32) {
        let keyboard = signalKeys && terminal != nil && (signal == SIGINT || signal == SIGQUIT)
        let disposition: InterruptPolicy.Disposition
        if keyboard, let terminal {
            if !terminal.taskTerminalMakesSignals {
                disposition = .input
            } else {
                let group = terminal.taskForegroundGroup
                let receiver = group > 0 ? group : task.taskPID
                disposition = SignalDisposition.of(receiver, signal: signal, namespaceInit: namespaceInit && receiver == task.taskPID)
            }
        } else {
            disposition = SignalDisposition.of(task.taskPID, signal: signal, namespaceInit: namespaceInit)
        }
        switch policy.decide(signal, disposition: disposition, terminal: keyboard, nowMilliseconds: Launcher.monotonicMilliseconds()) {
        case .forward:
            if keyboard, let terminal { terminal.sendKey(for: signal) } else { signalSupervisor(signal) }
        case .kill(let reason):
            say("\(reason): killing the task (SIGKILL)")
            killTask()
        }
    }

    /// The task's main process by pidfd (its pid namespace ends with it); what else is left in its cgroup
    /// the supervisor kills once the main process is gone, so this signal loop never waits on a sweep.
    /// Without a pidfd, the cgroup; with neither, the supervisor (the task dies with it: its parent-death
    /// signal).
    private func killTask() {
        if taskPidfd >= 0 && corral_pidfd_send_signal(taskPidfd, SIGKILL) == 0 { return }
        if let cgroup, (try? cgroup.manager.kill()) != nil { return }
        signalSupervisor(SIGKILL)
    }

    private func signalSupervisor(_ signal: Int32) {
        if task.supervisorPidfd >= 0 { _ = corral_pidfd_send_signal(task.supervisorPidfd, signal) } else { kill(task.supervisorPID, signal) }
    }

    /// One line on stderr; on a terminal in raw mode, with the carriage returns it no longer adds.
    private func say(_ message: String) {
        let line = terminal == nil ? "corral: \(message)\n" : "\r\ncorral: \(message)\r\n"
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { corral_write_all(2, $0.baseAddress, $0.count) }
    }
}
