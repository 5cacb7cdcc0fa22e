import CCorralHost
import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// A pseudo-terminal for a task when corral runs on a terminal: the task gets the slave as its
/// stdin/stdout/stderr and controlling tty; the supervisor copies between the master and the
/// caller's terminal, which is put in raw mode (and restored) so keys reach the task unchanged.
final class TerminalSession {
    let master: Int32
    private(set) var slave: Int32
    private var saved: termios?

    private init(master: Int32, slave: Int32) {
        self.master = master
        self.slave = slave
    }

    static func open() throws(LaunchError) -> TerminalSession {
        var master: Int32 = -1, slave: Int32 = -1
        let rc = corral_openpty(&master, &slave)
        guard rc == 0 else { throw .system(SyscallError("open a pseudo-terminal", errno: -rc, path: "/dev/ptmx")) }
        return TerminalSession(master: master, slave: slave)
    }

    /// The task has its copy of the slave; ours would keep the terminal open after it exits.
    func closeTaskSide() {
        if slave >= 0 { Glibc.close(slave) }
        slave = -1
    }

    /// Raw. When corral leads its own process group (a shell with job control started it as a job), the
    /// keys that make signals are kept: Ctrl-C and Ctrl-\ then signal corral alone, which hands them to
    /// the task's terminal (`sendKey`) and can see a task that ignores them (InterruptRouter); Ctrl-Z is
    /// passed through as a key, and nothing is flushed on an interrupt. In a group it shares (a script,
    /// make), those signals would reach its parent too: there every key goes to the task as it is.
    /// Returns whether the signal keys signal corral.
    @discardableResult
    func enterRawMode() -> Bool {
        var current = termios()
        guard tcgetattr(0, &current) == 0 else { return false }
        saved = current
        interruptKey = Self.key(VINTR, of: current)
        quitKey = Self.key(VQUIT, of: current)
        cfmakeraw(&current)
        let signalKeys = getpgrp() == getpid()
        if signalKeys {
            current.c_lflag |= tcflag_t(ISIG | NOFLSH)
            withUnsafeMutableBytes(of: &current.c_cc) { $0[Int(VSUSP)] = 0 }  // _POSIX_VDISABLE
        }
        tcsetattr(0, TCSANOW, &current)
        return signalKeys
    }

    /// The keys the operator's terminal uses for SIGINT and SIGQUIT (0: none).
    private var interruptKey: UInt8 = 3
    private var quitKey: UInt8 = 0x1c

    private static func key(_ index: Int32, of settings: termios) -> UInt8 {
        withUnsafeBytes(of: settings.c_cc) { $0[Int(index)] }
    }

    /// Whether the task's terminal turns the interrupt keys into signals (ISIG); an editor or a shell
    /// reading a line may turn that off and take the keys as input.
    var taskTerminalMakesSignals: Bool {
        var settings = termios()
        // On a pseudo-terminal's master, the settings read are the task's side's.
        guard tcgetattr(master, &settings) == 0 else { return true }
        return settings.c_lflag & tcflag_t(ISIG) != 0
    }

    /// The task terminal's foreground process group (a host pid), or -1.
    var taskForegroundGroup: pid_t { tcgetpgrp(master) }

    /// Types the key for `signal` (SIGINT: Ctrl-C, SIGQUIT: Ctrl-\) into the task's terminal, as the
    /// operator typed it: its terminal does what it does with the key. Without such a key (or room for
    /// it in the task's input queue), the terminal sends the signal to its foreground group itself.
    func sendKey(for signal: Int32) {
        var key = signal == SIGINT ? interruptKey : signal == SIGQUIT ? quitKey : 0
        var written = -1
        if key != 0 {
            repeat { written = Glibc.write(master, &key, 1) } while written < 0 && errno == EINTR
        }
        // No such key, or the task's input queue is full (the master is non-blocking): the signal itself.
        if written != 1 { _ = corral_pty_signal(master, signal) }
    }

    func close() {
        if var saved { tcsetattr(0, TCSANOW, &saved) }
        saved = nil
        closeTaskSide()
        Glibc.close(master)
    }
}
