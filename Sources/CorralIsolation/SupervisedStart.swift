import CCorralHost
import CorralCgroups
import CorralHostFS
#if canImport(Glibc)
import Glibc
#endif

/// One supervised start: the sequence every caller of the launcher shares (`corral isolate`, the exec
/// and raw_exec drivers, and next an OCI runtime): the state directory, the task's cgroup, the launch
/// (with the caller's record of the run taken while the task waits at its start barrier), and a pidfd
/// for the supervisor. On any failure what was made is undone in reverse order and nothing is left
/// running; the failure says which step failed, so that each caller can word it (see
/// docs/architecture.md, "The launch service").
///
/// Exec sessions into a running task (`ExecSessionRunner`) are the one launch that does not go through
/// here: they make no state directory and no cgroup of their own.
package struct SupervisedStart {
    /// The task's cgroup: `name` under `parent` in every hierarchy, with `limits`.
    package struct CgroupRequest: Sendable {
        package var name: String
        package var parent: String
        package var limits: CgroupLimits

        package init(name: String, parent: String, limits: CgroupLimits) {
            self.name = name
            self.parent = parent
            self.limits = limits
        }
    }

    package var plan: LaunchPlan
    package var state: StateDirectory
    package var launcher: Launcher
    package var stdio: TaskStdio = .pipes
    package var io = SupervisorIO()
    /// nil: the task runs without a cgroup of its own (`--no-cgroup`).
    package var cgroup: CgroupRequest?
    /// Removes the state directory of a start that failed (the drivers remove its empty parents too);
    /// nil leaves it (a directory the user named).
    package var removeState: ((StateDirectory) -> Void)?
    /// Runs as soon as the pids are known, while the task still sets itself up (`Launcher.launch`).
    package var whileStarting: (_ supervisorPID: pid_t, _ taskPID: pid_t, _ cgroup: TaskCgroup?) -> Void = { _, _, _ in }
    /// Records the run while the task waits at its start barrier; false refuses it (`Launcher.launch`).
    package var confirmStart: ((_ supervisorPID: pid_t, _ taskPID: pid_t, _ cgroup: TaskCgroup?) -> Bool)?
    /// The record's file name in the state directory, for the supervisor to decide alone if we die.
    package var startRecord: String?
    /// Runs once the state directory and the cgroup exist, right before the launch (the cgroup's
    /// warnings are said there; crash tests stop there).
    package var beforeLaunch: (_ cgroup: TaskCgroup?) -> Void = { _ in }
    /// Refuse (kill) a run without a pidfd for its supervisor: the drivers watch and recover runs by
    /// pidfd. `corral isolate` waits for its child by pid when it has none (a seccomp profile of the
    /// caller's that refuses `pidfd_open` and `CLONE_PIDFD`).
    package var requiresPidfd = true

    package init(plan: LaunchPlan, state: StateDirectory, launcher: Launcher) {
        self.plan = plan
        self.state = state
        self.launcher = launcher
    }

    /// Starts the task; returns once it runs (or is released from the barrier).
    ///
    /// The cgroup (a dozen writes to the cgroup file system, a millisecond on a v1 host) is made on a
    /// thread of its own, once the state directory exists, while this one prepares the launch (pipes,
    /// the helper's sealed copy, the mount sources); the launch takes it right before the supervisor is
    /// cloned (`Launcher.LaunchCgroup`). Whichever fails first, what the other made is undone.
    package func run() throws(SupervisedStartFailure) -> SupervisedRun {
        var blueprint: TaskCgroup.Blueprint?
        if let cgroup {
            do {
                blueprint = try TaskCgroup.blueprint(name: cgroup.name, parent: cgroup.parent, limits: cgroup.limits)
            } catch {
                throw SupervisedStartFailure(step: .cgroup(error))
            }
        }
        // The state directory first: a start killed at any point leaves it, and `corral prune` finds
        // the cgroup through it; a cgroup made before it could be left with nothing naming it.
        do { try state.create() } catch { throw SupervisedStartFailure(step: .stateDirectory(error)) }
        let making = blueprint.map { blueprint in
            JoinableThread("task-cgroup") { () -> Result<TaskCgroup, CgroupError> in
                do throws(CgroupError) { return .success(try blueprint.make()) } catch { return .failure(error) }
            }
        }
        var plan = self.plan
        // Never without a cgroup namespace of its own: the mounts would show the host's whole hierarchy.
        if let view = blueprint?.view, plan.namespaces.cgroupIsNew {
            plan.addSystemMounts(RootfsLayout.cgroupSteps(view))
        }
        let beforeLaunch = self.beforeLaunch
        let launchCgroup = blueprint.map { blueprint in
            Launcher.LaunchCgroup(directories: blueprint.directories) { () -> CgroupPlacement? in
                guard case .success(let made)? = making?.join() else { return nil }
                beforeLaunch(made)
                return made.placement
            }
        }
        if blueprint == nil { beforeLaunch(nil) }
        let launched: LaunchedTask
        do {
            let confirm = confirmStart.map { confirm in
                { (supervisor: pid_t, task: pid_t) in confirm(supervisor, task, Self.made(making)) }
            }
            let whileStarting = self.whileStarting
            launched = try launcher.launch(plan, state: state, stdio: stdio, io: io, cgroup: launchCgroup,
                                           whileStarting: { whileStarting($0, $1, Self.made(making)) },
                                           confirmStart: confirm, startRecord: startRecord)
        } catch {
            switch making?.join() {
            case .failure(let cgroupError)?:
                throw undo(.cgroup(cgroupError), cgroup: nil, placementOpen: false)
            case .success(let made)?:
                throw undo(.launch(error), cgroup: made, placementOpen: true)
            case nil:
                throw undo(.launch(error), cgroup: nil, placementOpen: false)
            }
        }
        let taskCgroup = Self.made(making)
        // The placement's fds were only for the launch: the supervisor owns the cgroup from now on.
        taskCgroup?.placement.close()
        // CLONE_PIDFD gives one on every kernel corral runs on (5.12+); the fallback opens one (the
        // supervisor is our unreaped child: its pid cannot have been reused).
        let pidfd = launched.supervisorPidfd >= 0 ? launched.supervisorPidfd : corral_pidfd_open(launched.supervisorPID)
        guard pidfd >= 0 || !requiresPidfd else {
            // Without it the task could be neither watched nor recovered: do not leave it running.
            kill(launched.supervisorPID, SIGKILL)
            Launcher.reap(launched.supervisorPID, pidfd: -1)
            throw undo(.unwatchable(supervisorPID: launched.supervisorPID), cgroup: taskCgroup, placementOpen: false)
        }
        return SupervisedRun(task: LaunchedTask(supervisorPID: launched.supervisorPID, supervisorPidfd: max(pidfd, -1),
                                                taskPID: launched.taskPID),
                             cgroup: taskCgroup, state: state)
    }

    /// The cgroup the other thread made (joined: the launch has taken it by the time this is asked).
    private static func made(_ making: JoinableThread<Result<TaskCgroup, CgroupError>>?) -> TaskCgroup? {
        guard case .success(let made)? = making?.join() else { return nil }
        return made
    }

    /// Removes what a failed start made (the cgroup, then the state directory) and says what could not be.
    /// The placement's fds are closed first when still open (they are plain numbers: never twice).
    private func undo(_ step: SupervisedStartFailure.Step, cgroup: TaskCgroup?, placementOpen: Bool) -> SupervisedStartFailure {
        var failure = SupervisedStartFailure(step: step)
        if let cgroup {
            if placementOpen { cgroup.placement.close() }
            do { try cgroup.destroy() } catch { failure.cleanupWarnings.append(error.description) }
        }
        removeState?(state)
        return failure
    }
}

/// A task a `SupervisedStart` started: its supervisor (our child, with a pidfd we own; -1 only when the
/// start did not require one), the task's pid, its cgroup (which the supervisor removes after the task;
/// its placement's fds are already closed: never close them again) and its state directory.
package struct SupervisedRun: Sendable {
    package let task: LaunchedTask
    package let cgroup: TaskCgroup?
    package let state: StateDirectory

    /// Ends a run its caller cannot keep (it could not record it): kills the supervisor (the task dies
    /// with it), reaps it, removes the cgroup if the supervisor could not, and the state directory.
    package func abandon(removeState: ((StateDirectory) -> Void)?) {
        if task.supervisorPidfd >= 0 { _ = corral_pidfd_send_signal(task.supervisorPidfd, SIGKILL) } else { kill(task.supervisorPID, SIGKILL) }
        Launcher.reap(task.supervisorPID, pidfd: task.supervisorPidfd)
        try? cgroup?.destroy()
        removeState?(state)
    }
}

/// Why a supervised start failed, by step; everything the start made is gone (`cleanupWarnings` says
/// what could not be removed).
package struct SupervisedStartFailure: Error, CustomStringConvertible {
    package enum Step: Sendable {
        case stateDirectory(LaunchError)
        case cgroup(CgroupError)
        case launch(LaunchError)
        case unwatchable(supervisorPID: pid_t)
    }

    package var step: Step
    package var cleanupWarnings: [String] = []

    package init(step: Step) {
        self.step = step
    }

    package var description: String {
        switch step {
        case .stateDirectory(let error): error.description
        case .cgroup(let error): error.description
        case .launch(let error): error.description
        case .unwatchable(let pid): "cannot watch the task's supervisor (pid \(pid))"
        }
    }
}
