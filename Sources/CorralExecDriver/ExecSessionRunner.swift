import CCorralHost
import CorralCgroups
import CorralDriver
import CorralIsolation
import Foundation
import Synchronization

/// Runs one command inside a running task (`exec`): the plan joins the task's namespaces (or, for
/// raw_exec, only its cgroup); a supervisor of its own copies the output back to us through pipes
/// (or a pseudo-terminal) and exits with the command's status. Nothing is logged or recorded.
enum ExecSessionRunner {
    static func start(_ plan: LaunchPlan, supervisor: String, cgroup: (any CgroupManager)?, taskID: String,
                      options: ExecOptions) throws(DriverError) -> ExecSession {
        var fds = FileDescriptors()
        defer { fds.closeAll() }
        func pipe(_ what: String) throws(DriverError) -> (read: Int32, write: Int32) {
            do { return try fds.pipe(what) } catch { throw .failed(operation: "exec", reason: error.description, recoverable: true) }
        }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { throw .failed(operation: "exec", reason: "cannot open /dev/null", recoverable: true) }
        fds.adopt(devNull)
        let stdout = try pipe("exec stdout pipe"), stderr = try pipe("exec stderr pipe")
        let stdin = options.stdin == nil ? nil : try pipe("exec stdin pipe")

        var io = SupervisorIO()
        io.logs = nil
        io.recordExit = false
        io.ownsCgroup = false
        io.forward = true
        let stdio: TaskStdio
        var master: Int32 = -1
        if options.tty {
            var slave: Int32 = -1
            let rc = corral_openpty(&master, &slave)
            guard rc == 0 else { throw .failed(operation: "exec", reason: "cannot open a pseudo-terminal: errno \(-rc)", recoverable: true) }
            fds.adopt(slave)
            stdio = .terminal(master: master, slave: slave)
            // The supervisor copies its stdin into the terminal and the terminal to its stdout.
            io.standardFDs = (stdin?.read ?? devNull, stdout.write, stderr.write)
        } else {
            stdio = .pipes
            io.taskStdin = stdin?.read ?? devNull
            io.standardFDs = (devNull, stdout.write, stderr.write)
        }

        let placement: CgroupPlacement?
        do { placement = try cgroup?.openPlacement() } catch {
            if master >= 0 { close(master) }
            throw .taskNotRunning(id: taskID)
        }
        defer { placement?.close() }
        let launched: LaunchedTask
        do {
            launched = try Launcher(supervisorPath: supervisor).launch(plan, state: nil, stdio: stdio, io: io, cgroup: placement)
        } catch {
            if master >= 0 { close(master) }
            throw .failed(operation: "exec in task \(taskID)", reason: error.description,
                          recoverable: false)
        }
        // What stays ours: the read ends of the output, the write end of the input, the terminal master.
        fds.forget(stdout.read)
        fds.forget(stderr.read)
        if let stdin { fds.forget(stdin.write) }
        fds.closeAll()

        let terminal = TerminalMaster(fd: master)
        // Only a pid proven to be the supervisor's child is ever signalled (TaskProcess).
        let commandPidfd = TaskProcess.openValidatedPidfd(taskPID: launched.taskPID, supervisorPID: launched.supervisorPID)
        let supervisorPidfd = launched.supervisorPidfd >= 0 ? launched.supervisorPidfd : corral_pidfd_open(launched.supervisorPID)
        let outputStream = readStream(stdout.read)
        let errorStream = readStream(stderr.read)
        if let input = options.stdin, let stdin {
            // Writes block while the command does not read: they run on a queue of their own, never on
            // the cooperative pool. After the command is gone they fail with EPIPE (SIGPIPE is ignored).
            let writer = DispatchQueue(label: "corral exec stdin")
            let failed = Mutex(false)
            Task.detached {
                for await chunk in input where !failed.withLock({ $0 }) {
                    writer.async {
                        guard !failed.withLock({ $0 }) else { return }
                        let rc = chunk.withUnsafeBytes { corral_write_all(stdin.write, $0.baseAddress, $0.count) }
                        if rc < 0 { failed.withLock { $0 = true } }
                    }
                }
                writer.async { close(stdin.write) }
            }
        }
        // The pidfd a kill goes through is closed only once nothing can signal through it any more
        // (a closed fd number may be reused, by another process's pidfd): under the lock, once the
        // command has exited.
        let killer = CommandKiller(pidfd: commandPidfd, pid: launched.taskPID)
        let exit = Task<Int32, Never> {
            await ExitWatcher.shared.waitForExit(pidfd: supervisorPidfd)
            var code: Int32 = 0, status: Int32 = 0
            let rc = corral_pidfd_wait(supervisorPidfd, &code, &status)
            close(supervisorPidfd)
            killer.close()
            terminal.close()
            guard rc == 0 else { return 125 }
            return code == CLD_EXITED ? status : 128 + status
        }
        if let timeout = options.timeout {
            Task.detached {
                if await withDeadline(timeout, { _ = await exit.value }) == nil { killer.kill() }
            }
        }
        return ExecSession(stdout: outputStream, stderr: errorStream, exit: { await exit.value },
                           resize: { rows, columns in
                               terminal.resize(rows: rows, columns: columns)
                           },
                           terminate: { killer.kill() })
    }

    /// Kills an exec'd command and its process group through its pidfd, which was opened only once
    /// the pid was proven the supervisor's child (`TaskProcess`) and proves it is still the command's;
    /// a no-op once the command has exited, or when no pidfd could be validated. The group is signalled
    /// only while the pidfd shows the command alive and it leads the group (it called setsid): never
    /// a group number taken from a report (-1 would be every process we may signal).
    final class CommandKiller: Sendable {
        private let state: Mutex<Int32>
        private let pid: pid_t

        init(pidfd: Int32, pid: pid_t) {
            state = Mutex(pidfd)
            self.pid = pid
        }

        func kill() {
            state.withLock { pidfd in
                guard pidfd >= 0, pid > 1, corral_pidfd_send_signal(pidfd, 0) == 0 else { return }
                if getpgid(pid) == pid { _ = Glibc.kill(-pid, SIGKILL) }
                _ = corral_pidfd_send_signal(pidfd, SIGKILL)
            }
        }

        func close() {
            state.withLock { pidfd in
                if pidfd >= 0 { _ = Glibc.close(pidfd) }
                pidfd = -1
            }
        }
    }

    /// The bytes of `fd` until EOF, read on a thread of its own (a blocking read), then closed. At
    /// most 8 chunks (512 KiB) wait unread: a consumer that reads slowly slows the command down
    /// instead of growing this process.
    static func readStream(_ fd: Int32) -> AsyncStream<[UInt8]> {
        let chunks = BoundedChunks(capacity: 8)
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0, chunks.put(Array(buffer[0..<n])) else { break }
            }
            close(fd)
            chunks.finish()
        }
        thread.start()
        return chunks.stream
    }

    /// Runs to the end and collects the output.
    static func collect(_ session: ExecSession, timeout: Duration) async -> ExecResult {
        async let out: [UInt8] = session.stdout.reduce(into: []) { $0 += $1 }
        async let err: [UInt8] = session.stderr.reduce(into: []) { $0 += $1 }
        let clock = ContinuousClock()
        let started = clock.now
        let code = await session.exitCode()
        let timedOut = code == 128 + SIGKILL && clock.now - started >= timeout
        return ExecResult(stdout: await out, stderr: await err, exitCode: code, timedOut: timedOut)
    }
}

/// The terminal master of a tty exec, kept for resizing until the command ends; the lock makes sure
/// a late resize never reaches an fd number that was closed and reused.
final class TerminalMaster: Sendable {
    private let fd: Mutex<Int32>

    init(fd: Int32) { self.fd = Mutex(fd) }

    func resize(rows: UInt16, columns: UInt16) {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(fd, UInt(TIOCSWINSZ), &size)
        }
    }

    func close() {
        fd.withLock { fd in
            if fd >= 0 { _ = Glibc.close(fd) }
            fd = -1
        }
    }
}
