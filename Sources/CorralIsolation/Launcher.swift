import CCorralHost
import CCorralLaunch
import CorralCgroups
#if canImport(Glibc)
import Glibc
#endif

/// Starts tasks from launch plans through the C launch target and the supervisor program.
package struct Launcher: Sendable {
    package let supervisorPath: String
    package let logRotation: LogRotation

    package init(supervisorPath: String, logRotation: LogRotation = LogRotation()) {
        self.supervisorPath = supervisorPath
        self.logRotation = logRotation
    }

    /// Starts the task and returns once it has `execve`d (or throws why it could not).
    /// With `cgroup`, the task enters that cgroup before anything else, and the supervisor owns the
    /// cgroup from then on: it removes it once the task has exited. The placement's fds stay the
    /// caller's to close.
    /// `whileStarting` runs as soon as the task's pid is known, while the task is still setting
    /// itself up, so bookkeeping overlaps the task's start instead of delaying it.
    /// With `confirmStart`, the task waits at a barrier right before it execs its command (after every
    /// setup step that can fail) until `confirmStart` returns true; it is called once the pids are
    /// known, so the caller can record the run durably first. False ends the task before its command
    /// runs (`.child(.startBarrier)`). The supervisor holds the barrier and takes the answer on a gate
    /// pipe (Sources/corral-supervisor/start_gate.h): if the caller dies before answering, the task is
    /// released when `startRecord` (a file in `state`) exists and refused otherwise, so a run the
    /// caller recorded is never lost to its death and one it did not record never runs.
    /// On failure nothing is left running; the state directory and the cgroup are the caller's to remove.
    package func launch(_ plan: LaunchPlan, state: StateDirectory?, stdio: TaskStdio, io: SupervisorIO = SupervisorIO(),
                       cgroup: CgroupPlacement? = nil,
                       whileStarting: (_ supervisorPID: pid_t, _ taskPID: pid_t) -> Void = { _, _ in },
                       confirmStart: ((_ supervisorPID: pid_t, _ taskPID: pid_t) -> Bool)? = nil,
                       startRecord: String? = nil)
        throws(LaunchError) -> LaunchedTask {
        try launch(plan, state: state, stdio: stdio, io: io,
                   cgroup: cgroup.map { placement in LaunchCgroup(directories: placement.directories) { placement } },
                   whileStarting: whileStarting, confirmStart: confirmStart, startRecord: startRecord)
    }

    /// The task's cgroup as a launch takes it: its directories at once, its placement only when the
    /// supervisor is about to be cloned, so that the cgroup can be made on another thread while the
    /// launch is prepared (`SupervisedStart`). `placement` returning nil ends the launch with
    /// `LaunchCgroup.notMade`; the caller knows why.
    package struct LaunchCgroup {
        package let directories: [String]
        package let placement: () -> CgroupPlacement?

        package init(directories: [String], placement: @escaping () -> CgroupPlacement?) {
            self.directories = directories
            self.placement = placement
        }

        package static let notMade = LaunchError.internal("the task's cgroup could not be made")
    }

    /// `launch` with a cgroup that may still be being made (`LaunchCgroup`).
    package func launch(_ plan: LaunchPlan, state: StateDirectory?, stdio: TaskStdio, io: SupervisorIO = SupervisorIO(),
                       cgroup: LaunchCgroup?,
                       whileStarting: (_ supervisorPID: pid_t, _ taskPID: pid_t) -> Void = { _, _ in },
                       confirmStart: ((_ supervisorPID: pid_t, _ taskPID: pid_t) -> Bool)? = nil,
                       startRecord: String? = nil)
        throws(LaunchError) -> LaunchedTask {
        var resources = FileDescriptors()
        defer { resources.closeAll() }

        let report = try resources.pipe("report pipe")
        // The barrier: the task reads, the supervisor alone writes (fd 9). The gate: we answer, the
        // supervisor reads (fd 8). Every other copy is CLOEXEC or closed by the task before it waits.
        let barrier = confirmStart == nil ? nil : try resources.pipe("start barrier pipe")
        let gate = confirmStart == nil ? nil : try resources.pipe("start gate pipe")
        var arguments = ["--task-pid", SupervisorLaunch.taskPIDPlaceholder, "--lifeline-fd", "6"]
        var fds: [(from: Int32, to: Int32)] = []
        if let barrier, let gate {
            fds += [(gate.read, 8), (barrier.write, 9)]
            arguments += ["--start-gate-fd", "8", "--start-barrier-fd", "9"]
        }
        if let state, io.recordExit || (io.logs != nil && io.logs?.directory == nil) {
            let stateFD = open(state.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard stateFD >= 0 else { throw .system(.current("open state directory", path: state.path)) }
            resources.adopt(stateFD)
            fds.append((stateFD, 3))
            // Without --state-fd the supervisor writes no exit.json; with it, it does.
            if io.recordExit { arguments += ["--state-fd", "3"] } else { arguments += ["--log-dir-fd", "3"] }
            if io.recordExit, gate != nil, let startRecord { arguments += ["--start-record", startRecord] }
        }
        if let logs = io.logs {
            let rotation = logs.rotation ?? logRotation
            arguments += ["--log-max-bytes", String(rotation.maxFileBytes), "--log-max-files", String(rotation.maxFiles),
                          "--stdout-log", logs.stdoutName, "--stderr-log", logs.stderrName]
            if let directory = logs.directory {
                // Not through a symlink: the directory may be one the task can write (alloc/logs).
                let logFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
                guard logFD >= 0 else { throw .system(.current("open log directory", path: directory)) }
                resources.adopt(logFD)
                fds.append((logFD, 7))
                arguments += ["--log-dir-fd", "7"]
            }
        } else {
            arguments.append("--no-logs")
        }
        if !io.forward { arguments.append("--no-forward") }
        if var standard = io.standardFDs {
            if let name = io.diagnosticsLog, let state {
                let diagnostics = open(state.path + "/" + name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
                if diagnostics >= 0 {
                    resources.adopt(diagnostics)
                    standard.2 = diagnostics
                }
            }
            fds += [(standard.0, 0), (standard.1, 1), (standard.2, 2)]
        }
        let taskStdio: (Int32, Int32, Int32)
        switch stdio {
        case .pipes:
            let out = try resources.pipe("stdout pipe")
            let err = try resources.pipe("stderr pipe")
            fds += [(out.read, 4), (err.read, 5)]
            arguments += ["--stdout-fd", "4", "--stderr-fd", "5"]
            // The caller's fds 0-2 must be open (see corral_open_standard_fds), or a pipe of ours
            // could sit at 0 and be handed to the task as its stdin.
            taskStdio = (io.taskStdin, out.write, err.write)
        case .terminal(let master, let slave):
            fds.append((master, 4))
            arguments += ["--stdout-fd", "4", "--pty"]
            taskStdio = (slave, slave, slave)
        }

        if io.ownsCgroup {
            for directory in cgroup?.directories ?? [] { arguments += ["--cgroup", directory] }
        }

        let helper = try Self.helper(for: plan)
        let helperFD = try SealedHelper.fd(forPath: helper.path, name: helper.name)
        let supervisorFD = Self.taskCanSeeSupervisor(plan)
            ? try SealedHelper.fd(forPath: supervisorPath, name: "corral-supervisor") : -1
        let sources = try MountSources.open(plan, into: &resources)
        var placement: CgroupPlacement?
        if let cgroup {
            guard let made = cgroup.placement() else { throw LaunchCgroup.notMade }
            placement = made
        }
        let flat = FlatPlan(plan, taskStdio: taskStdio,
                            supervisor: SupervisorLaunch(path: supervisorPath, arguments: arguments, fds: fds,
                                                         sealedFD: supervisorFD),
                            reportFD: report.write, lifelineTo: 6, cgroup: placement, helperFD: helperFD,
                            barrierFD: barrier?.read ?? -1, sources: sources)
        var supervisorPID: pid_t = 0
        var supervisorPidfd: Int32 = -1
        let rc = flat.withPlan { corral_launch($0, &supervisorPID, &supervisorPidfd) }
        guard rc == 0 else { throw .system(SyscallError("fork the supervisor", errno: -rc)) }
        // Only the children need these now; our copies would keep the pipes from reaching EOF.
        resources.closeAll(except: [report.read] + (gate.map { [$0.write] } ?? []))

        let outcome = Self.readReports(report.read) { taskPID in
            whileStarting(supervisorPID, taskPID)
            guard let gate, let confirmStart else { return }
            // An explicit answer either way: only the caller's death leaves the decision to the record.
            var answer: UInt8 = confirmStart(supervisorPID, taskPID) ? 1 : 0
            while write(gate.write, &answer, 1) < 0 && errno == EINTR {}
            close(gate.write)
            resources.forget(gate.write)
        }
        close(report.read)
        resources.forget(report.read)
        let pidfd = supervisorPidfd >= 0 ? supervisorPidfd : max(-1, corral_pidfd_open(supervisorPID))
        if let violation = outcome.violation {
            // The task dies with its supervisor (its parent-death signal): never a pid from the reports.
            if pidfd >= 0 { _ = corral_pidfd_send_signal(pidfd, SIGKILL) } else { kill(supervisorPID, SIGKILL) }
            Self.reap(supervisorPID, pidfd: pidfd)
            throw .internal("launch protocol violation: \(violation); the task was killed")
        }
        if let failure = outcome.failure {
            Self.reap(supervisorPID, pidfd: pidfd)
            throw explain(failure, plan: plan, cgroup: cgroup)
        }
        guard let taskPID = outcome.taskPID else {
            Self.reap(supervisorPID, pidfd: pidfd)
            throw .internal("the supervisor exited without reporting the task it started")
        }
        return LaunchedTask(supervisorPID: supervisorPID, supervisorPidfd: pidfd, taskPID: taskPID)
    }

    /// Whether the task could find the supervisor's `/proc/<pid>/exe`, so that the supervisor must run
    /// from a sealed copy (the CVE-2019-5736 class; see docs/security.md). A task in a pid namespace of
    /// its own cannot: the supervisor is its parent in the host's namespace, and the task's `/proc` is
    /// mounted for its own namespace. Skipping the copy there saves a start about 0.8 ms of CPU
    /// (docs/benchmarks.md). A `raw_exec` task, a task sharing the host's pid namespace and an exec
    /// session (whose namespaces are the running task's) keep it.
    static func taskCanSeeSupervisor(_ plan: LaunchPlan) -> Bool {
        !(plan.mode == .isolated && plan.namespaces.pid == .private)
    }

    /// The program the task execs last, from its sealed copy: the init when the task runs under one,
    /// else the freestanding `corral-exec`, which only execs the command.
    static func helper(for plan: LaunchPlan) throws(LaunchError) -> (path: String, name: String) {
        if plan.runUnderInit {
            if let path = plan.helperPath { return (path, "corral-init") }
            return (try ProgramLocator.initProgram(), "corral-init")
        }
        if let path = plan.execHelperPath { return (path, "corral-exec") }
        return (try ProgramLocator.execProgram(), "corral-exec")
    }

    /// Waits for a supervisor to exit, closes its pidfd, and returns its exit status: the task's
    /// exit code (128 + N for signal N, as in exit.json), or nil if the supervisor itself was killed.
    @discardableResult
    package static func reap(_ pid: pid_t, pidfd: Int32) -> Int32? {
        if pidfd >= 0 {
            var code: Int32 = 0, status: Int32 = 0
            let rc = corral_pidfd_wait(pidfd, &code, &status)
            close(pidfd)
            return rc == 0 && code == CLD_EXITED ? status : nil
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    }

    struct ReportOutcome {
        var taskPID: pid_t?
        var failure: corral_report?
        /// Why the reports cannot be trusted (a second task pid, too many records, no end in time):
        /// the launch fails and the task is killed with its supervisor.
        var violation: String?
    }

    /// How long the children may take to exec (or fail): generous, for slow mounts and emulated hosts.
    static let reportDeadlineMilliseconds: Int64 = 120_000
    /// More records than a launch ever writes (a task pid, a failure from the task or the helper, one
    /// from the supervisor) means someone else is writing.
    static let maximumReports = 4

    /// Reads report records until EOF, which comes when both children have exec'd or died; bounded in
    /// records and in time (poll with a deadline), never blocking for good on a pipe someone else holds.
    /// The supervisor writes the task's pid once, before anything of the task's can run; the first
    /// task pid wins and any later one is a forgery (a protocol violation), never believed.
    static func readReports(_ fd: Int32, deadlineMilliseconds: Int64 = reportDeadlineMilliseconds,
                            onTaskPID: (pid_t) -> Void) -> ReportOutcome {
        var outcome = ReportOutcome()
        var record = corral_report()
        let size = MemoryLayout<corral_report>.size
        let deadline = Self.monotonicMilliseconds() + deadlineMilliseconds
        var count = 0
        while true {
            let left = deadline - Self.monotonicMilliseconds()
            guard left > 0 else {
                outcome.violation = "the task did not finish starting within \(deadlineMilliseconds) ms"
                break
            }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left, 60_000)))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            guard ready > 0 else { break }
            let n = withUnsafeMutableBytes(of: &record) { read(fd, $0.baseAddress, size) }
            if n < 0 && errno == EINTR { continue }
            guard n == size else {
                if n > 0 { outcome.violation = "a malformed launch report (\(n) bytes)" }
                break
            }
            count += 1
            if count > Self.maximumReports {
                outcome.violation = "more launch reports than a launch writes"
                break
            }
            if record.kind == CORRAL_REPORT_TASK_PID.rawValue {
                guard outcome.taskPID == nil else {
                    outcome.violation = "a second task pid report (\(record.pid)) after \(outcome.taskPID ?? 0)"
                    break
                }
                guard record.pid > 1 else {
                    outcome.violation = "a task pid report of \(record.pid)"
                    break
                }
                outcome.taskPID = record.pid
                onTaskPID(record.pid)
            } else if record.kind == CORRAL_REPORT_FAILURE.rawValue {
                // The first failure is the cause, except the task's "supervisor gone": the supervisor's
                // own report (why it could not go on) comes after it and says more.
                if outcome.failure == nil || outcome.failure?.stage == LaunchError.Stage.supervisorGone.rawValue {
                    outcome.failure = record
                }
            } else {
                outcome.violation = "a launch report of unknown kind \(record.kind)"
                break
            }
        }
        return outcome
    }

    package static func monotonicMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Why a mount target was refused, when the errno says it was its shape (not the mount itself).
    static func mountTargetProblem(_ error: Int32) -> String {
        switch error {
        case ELOOP: return " must be mounted on an ordinary directory or file inside the root, not through a symbolic link"
        case ENOTDIR: return " must be mounted on an ordinary directory inside the root (a component is not a directory)"
        case EISDIR: return " must be mounted on an ordinary file, not a directory"
        case EXDEV: return " is hidden by another mount: it cannot be protected"
        case EBUSY: return " would cover one of corral's own mounts (/proc, /sys, /dev and below)"
        default: return ""
        }
    }

    /// Names what failed: the mount, rlimit, or executable involved.
    private func explain(_ report: corral_report, plan: LaunchPlan, cgroup: LaunchCgroup?) -> LaunchError {
        guard let stage = LaunchError.Stage(rawValue: report.stage) else {
            return .child(stage: .supervisorSetup, errno: report.error, subject: "unknown stage \(report.stage)")
        }
        let index = Int(report.index)
        let subject: String?
        switch stage {
        case .mount where plan.mounts.indices.contains(index):
            subject = plan.mounts[index].subject + Self.mountTargetProblem(report.error)
        case .rlimit where plan.rlimits.indices.contains(index):
            let limit = plan.rlimits[index]
            subject = "\(limit.name)=\(ResourceLimit.format(limit.soft)):\(ResourceLimit.format(limit.hard))"
        case .exec:
            let program = plan.arguments.first ?? ""
            subject = program.contains("/") || !plan.executableCandidates.indices.contains(index) || report.error == ENOENT
                ? "\"\(program)\"" : "\"\(plan.executableCandidates[index])\""
        case .workdir:
            subject = "\"\(plan.workdir)\""
        case .root:
            subject = plan.rootImage.map { "\"\($0)\"" } ?? "\"\(plan.rootMountpoint)\""
        case .hostname:
            subject = "\"\(plan.hostname)\""
        case .supervisorExec:
            subject = "\"\(supervisorPath)\""
        case .cgroup:
            let directories = cgroup?.directories ?? []
            subject = directories.indices.contains(index) ? directories[index]
                : index == directories.count ? "(new cgroup namespace)" : nil
        case .setuid:
            subject = "\(plan.identity.uid)"
        case .capabilities:
            subject = index >= 2000 ? "ambient \(CapabilityNames.name(Int32(index - 2000)))"
                : index >= 1000 ? "bounding \(CapabilityNames.name(Int32(index - 1000)))"
                : index == 1 ? "keep capabilities across setuid" : "capset \(plan.capabilities.effective)"
        case .setgid:
            subject = "\(plan.identity.gid)"
        default:
            subject = nil
        }
        return .child(stage: stage, errno: report.error, subject: subject)
    }
}
