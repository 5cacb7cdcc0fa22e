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

    func enterRawMode() {
        var current = termios()
        guard tcgetattr(0, &current) == 0 else { return }
        saved = current
        cfmakeraw(&current)
        tcsetattr(0, TCSANOW, &current)
    }

    func close() {
        if var saved { tcsetattr(0, TCSANOW, &saved) }
        saved = nil
        closeTaskSide()
        Glibc.close(master)
    }
}
