import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// One foreground run of `corral isolate`: plan, state directory, launch, wait while forwarding
/// signals, report the exit, clean up. Every failure path removes what it created.
struct IsolateRun {
    let options: Isolate

    func run() -> Int32 {
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

        let task: LaunchedTask
        do {
            task = try Launcher(supervisorPath: supervisor).launch(plan, state: state, stdio: stdio)
        } catch {
            session?.close()
            printError("cannot start task: \(error.description)")
            if ownsState { try? state.remove() }
            return error.exitStatus
        }
        session?.closeTaskSide()
        session?.enterRawMode()
        let record = TaskRecord(id: id, command: spec.command, supervisorPID: task.supervisorPID,
                                taskPID: task.taskPID, hostname: spec.hostname, startedAt: Timestamp.now())
        try? state.writeAtomically("task.json", contents: record.json())

        signals.forward(until: task)
        session?.close()

        let status: Int32
        do {
            status = try TaskExit.read(from: state).exitCode
        } catch {
            printError("the task's supervisor exited without recording its exit: \(error.description)")
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

/// RFC 3339 UTC timestamps with nanoseconds, without Foundation's formatters.
enum Timestamp {
    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let nanos = String(ts.tv_nsec)
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 9 - nanos.count) + nanos + "Z"
    }
}
