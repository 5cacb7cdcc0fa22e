import CCorralHost
import CorralCgroups
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
        // The sealed copies of corral-exec and the supervisor the launch execs, made meanwhile.
        if let exec = try? ProgramLocator.execProgram(), let supervisor = try? ProgramLocator.supervisor() {
            SealedHelper.prepare([(exec, "corral-exec"), (supervisor, "corral-supervisor")])
        }
        let id = TaskID.random()
        let terminal = !options.noTTY && isatty(0) == 1 && isatty(1) == 1
        let spec: IsolationSpec
        do {
            spec = try options.spec(id: id, terminal: terminal, term: getenv("TERM").map { String(cString: $0) })
        } catch {
            printError(error.description)
            return error.exitStatus
        }
        let state = StateDirectory(path: options.stateDir ?? "/run/corral/isolate/\(id)")
        let ownsState = options.stateDir == nil

        let plan: LaunchPlan
        var limits: CgroupLimits
        do {
            plan = try LaunchPlanBuilder().build(spec, rootMountpoint: state.rootMountpoint)
            limits = try options.cgroupLimits()
            // Devices are confined by default: the standard /dev set plus what --device gives.
            limits.devices = DeviceRule.standard + plan.deviceRules
            try checkCPUs()
        } catch {
            printError(error.description)
            return error.exitStatus
        }
        for warning in plan.warnings { printError("warning: \(warning)") }
        let supervisor: String
        do { supervisor = try ProgramLocator.supervisor() } catch {
            printError(error.description)
            return error.exitStatus
        }

        // Blocked before the launch so a Ctrl-C in between is delivered, not lost.
        let signals = SignalForwarder()
        do {
            try state.create()
        } catch {
            printError(error.description)
            return error.exitStatus
        }
        let cgroup: TaskCgroup?
        do {
            cgroup = try makeCgroup(id: id, limits: limits)
        } catch {
            printError("cannot start task: \(error.description) (--no-cgroup runs it without a cgroup: no limits, "
                       + "no device confinement)")
            if ownsState { try? state.remove() }
            return 125
        }
        var session: TerminalSession?
        if terminal {
            do { session = try TerminalSession.open() } catch {
                printError("cannot start task: \(error.description)")
                cgroup?.placement.close()
                try? cgroup?.destroy()
                if ownsState { try? state.remove() }
                return 125
            }
        }
        let stdio: TaskStdio = session.map { .terminal(master: $0.master, slave: $0.slave) } ?? .pipes

        let recordTask = { (supervisorPID: pid_t, taskPID: pid_t) in
            let record = TaskRecord(id: id, command: spec.command, supervisorPID: supervisorPID, taskPID: taskPID,
                                    hostname: spec.hostname, startedAt: Timestamp.now(),
                                    cgroups: cgroup?.placement.directories ?? [])
            do throws(LaunchError) {
                try state.writeAtomically("task.json", contents: record.json())
            } catch {
                printError("warning: \(error.description)")
            }
        }
        let task: LaunchedTask
        do {
            task = try Launcher(supervisorPath: supervisor, logRotation: options.logRotation)
                .launch(plan, state: state, stdio: stdio, cgroup: cgroup?.placement, whileStarting: recordTask)
        } catch {
            cgroup?.placement.close()
            session?.close()
            printError("cannot start task: \(error.description)")
            releaseCgroup(cgroup)
            if ownsState { try? state.remove() }
            return error.exitStatus
        }
        cgroup?.placement.close()
        session?.closeTaskSide()
        session?.enterRawMode()
        // The supervisor exits with the task's status (it wrote the same into exit.json).
        let supervisorStatus = signals.forward(until: task)
        session?.close()
        // The supervisor removes the cgroup after the task; this only acts when it could not.
        releaseCgroup(cgroup)

        guard let status = supervisorStatus, access(state.exitRecordPath, F_OK) == 0 else {
            // Keep the state directory: whatever the supervisor recorded is the only evidence left.
            printError("the task's supervisor ended without recording the task's exit; the task is gone "
                       + "(parent-death signal) and its exit status unknown; state kept in \(state.path)")
            return 125
        }
        if let cgroup { report(cgroup, state: state) }
        if ownsState {
            do { try state.remove() } catch { printError("warning: \(error.description)") }
        }
        return status
    }
}
