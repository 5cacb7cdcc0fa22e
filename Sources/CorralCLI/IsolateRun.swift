import CCorralHost
import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// One foreground run of `corral isolate`: plan, state directory, launch, wait while forwarding
/// signals, report the exit, clean up. Every failure path removes what it created.
struct IsolateRun {
    let options: Isolate

    func run() -> Int32 {
        // Like the supervisor: a task in the host's pid namespace must not reach our /proc/<pid>/exe.
        _ = corral_set_nondumpable()
        let id = TaskID.random()
        let terminal = !options.noTTY && isatty(0) == 1 && isatty(1) == 1
        let spec = options.spec(id: id, terminal: terminal, term: getenv("TERM").map { String(cString: $0) })
        let state = StateDirectory(path: options.stateDir ?? "/run/corral/isolate/\(id)")
        let ownsState = options.stateDir == nil

        let plan: LaunchPlan
        do {
            plan = try LaunchPlanBuilder().build(spec, rootMountpoint: state.rootMountpoint)
        } catch {
            printError(error.description)
            return error.exitStatus
        }
        for warning in plan.warnings { printError("warning: \(warning)") }
        guard let supervisor = SupervisorLocator.find() else {
            printError("cannot find the corral-supervisor program next to \(SupervisorLocator.ownDirectory() ?? "corral") "
                       + "(set CORRAL_SUPERVISOR to its path)")
            return 125
        }

        // Blocked before the launch so a Ctrl-C in between is delivered, not lost.
        let signals = SignalForwarder()
        do {
            try state.create()
        } catch {
            printError(error.description)
            return error.exitStatus
        }
        var session: TerminalSession?
        if terminal {
            do { session = try TerminalSession.open() } catch {
                printError("cannot start task: \(error.description)")
                try? state.remove()
                return 125
            }
        }
        let stdio: TaskStdio = session.map { .terminal(master: $0.master, slave: $0.slave) } ?? .pipes

        let recordTask = { (supervisorPID: pid_t, taskPID: pid_t) in
            let record = TaskRecord(id: id, command: spec.command, supervisorPID: supervisorPID, taskPID: taskPID,
                                    hostname: spec.hostname, startedAt: Timestamp.now())
            do throws(LaunchError) {
                try state.writeAtomically("task.json", contents: record.json())
            } catch {
                printError("warning: \(error.description)")
            }
        }
        let task: LaunchedTask
        do {
            task = try Launcher(supervisorPath: supervisor, logRotation: options.logRotation).launch(plan, state: state, stdio: stdio, whileStarting: recordTask)
        } catch {
            session?.close()
            printError("cannot start task: \(error.description)")
            if ownsState { try? state.remove() }
            return error.exitStatus
        }
        session?.closeTaskSide()
        session?.enterRawMode()
        // The supervisor exits with the task's status (it wrote the same into exit.json).
        let supervisorStatus = signals.forward(until: task)
        session?.close()

        let status: Int32
        if let supervisorStatus {
            status = supervisorStatus
        } else {
            printError("the task's supervisor was killed; its exit status is unknown (see \(state.exitRecordPath))")
            status = 125
        }
        if ownsState {
            do { try state.remove() } catch { printError("warning: \(error.description)") }
        }
        return status
    }
}

/// Short random task ids (12 hex digits), like container ids.
enum TaskID {
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() & 0xFFFF_FFFF_FFFF
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}

/// RFC 3339 UTC timestamps with nanoseconds. Plain arithmetic (days to civil date, after
/// Howard Hinnant's algorithm): `gmtime_r` would first read /etc/localtime, which UTC never needs.
enum Timestamp {
    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    static func format(seconds: Int, nanoseconds: Int) -> String {
        var days = seconds / 86400
        var rem = seconds % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):"
            + "\(pad(rem % 60, 2)).\(pad(nanoseconds, 9))Z"
    }
}
