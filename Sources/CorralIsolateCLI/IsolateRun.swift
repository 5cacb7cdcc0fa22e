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
        // The sealed copies the launch execs, made meanwhile: corral-exec's always, the supervisor's when
        // the task shares the host's pid namespace (Launcher.taskCanSeeSupervisor).
        if let exec = try? ProgramLocator.execProgram() {
            var programs = [(path: exec, name: "corral-exec")]
            if options.pid == .host, let supervisor = try? ProgramLocator.supervisor() {
                programs.append((supervisor, "corral-supervisor"))
            }
            if options.initProcess, let initProgram = try? ProgramLocator.initProgram() {
                programs.append((initProgram, "corral-init"))
            }
            SealedHelper.prepare(programs)
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

        var plan: LaunchPlan
        var limits: CgroupLimits
        do {
            plan = try LaunchPlanBuilder().build(spec, rootMountpoint: state.rootMountpoint)
            plan.runUnderInit = options.initProcess
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
        var session: TerminalSession?
        if terminal {
            do { session = try TerminalSession.open() } catch {
                printError("cannot start task: \(error.description)")
                return 125
            }
        }
        var start = SupervisedStart(plan: plan, state: state,
                                    launcher: Launcher(supervisorPath: supervisor, logRotation: options.logRotation))
        start.stdio = session.map { .terminal(master: $0.master, slave: $0.slave) } ?? .pipes
        if !options.noCgroup {
            start.cgroup = SupervisedStart.CgroupRequest(name: id, parent: options.cgroupParent, limits: limits)
        }
        start.removeState = ownsState ? { try? $0.remove() } : nil
        start.requiresPidfd = false
        start.beforeLaunch = { cgroup in
            for warning in cgroup?.warnings ?? [] { printError("warning: \(warning)") }
        }
        // The task's main process, opened as soon as its pid is known: its supervisor has not started
        // reaping yet, so the pid is the task's (InterruptRouter kills it by this).
        let taskPidfd = DescriptorBox()
        start.whileStarting = { supervisorPID, taskPID, cgroup in
            taskPidfd.value = max(-1, corral_pidfd_open(taskPID))
            let record = TaskRecord(id: id, command: spec.command, supervisorPID: supervisorPID, taskPID: taskPID,
                                    hostname: spec.hostname, startedAt: Timestamp.now(),
                                    cgroups: cgroup?.placement.directories ?? [],
                                    starts: .observe(caller: getpid(), supervisor: supervisorPID, task: taskPID),
                                    limits: cgroup.map { TaskRecord.Limits($0.limits) })
            do throws(LaunchError) {
                try state.writeAtomically("task.json", contents: record.json())
            } catch {
                printError("warning: \(error.description)")
            }
        }
        let run: SupervisedRun
        do { run = try start.run() } catch {
            taskPidfd.close()
            session?.close()
            for warning in error.cleanupWarnings { printError("warning: \(warning)") }
            switch error.step {
            case .stateDirectory(let launchError):
                printError(launchError.description)
                return launchError.exitStatus
            case .cgroup(let cgroupError):
                printError("cannot start task: \(cgroupError.description) (--no-cgroup runs it without a cgroup: no limits, "
                           + "no device confinement)")
                return 125
            case .launch(let launchError):
                printError("cannot start task: \(launchError.description)")
                return launchError.exitStatus
            case .unwatchable:
                printError("cannot start task: \(error.description)")
                return 125
            }
        }
        let task = run.task
        let cgroup = run.cgroup
        session?.closeTaskSide()
        let signalKeys = session?.enterRawMode() ?? false
        // The supervisor exits with the task's status (it wrote the same into exit.json).
        let router = InterruptRouter(task: task, taskPidfd: taskPidfd.value, cgroup: cgroup, terminal: session,
                                     signalKeys: signalKeys, privatePidNamespace: options.pid == .private)
        let supervisorStatus = signals.forward(until: task, deliver: router.deliver)
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

/// A descriptor a closure opens for its caller; `close` is idempotent.
final class DescriptorBox {
    var value: Int32 = -1

    func close() {
        if value >= 0 { _ = Glibc.close(value) }
        value = -1
    }
}
