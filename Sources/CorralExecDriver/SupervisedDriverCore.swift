import CCorralHost
import CorralCgroups
import CorralDriver
import CorralHostFS
import CorralIsolation
import Foundation
import Synchronization

/// What the exec and raw_exec drivers share: starting a task under a supervisor in its own cgroup,
/// the table of tasks, waiting, stopping, signals, stats, destroying and recovering. The drivers
/// differ only in the launch plan they build.
final class SupervisedDriverCore: Sendable {
    let driverName: String
    let options: DriverOptions
    private let tasks = Mutex<[String: SupervisedTask]>([:])
    /// Ids being started or recovered right now: a second call for the same id is refused at once
    /// instead of racing the first for its state directory and cgroup.
    private let claimed = Mutex<Set<String>>([])

    init(driverName: String, options: DriverOptions) {
        self.driverName = driverName
        self.options = options
        // A write to a pipe whose reader is gone (an exec session's input after the command ended)
        // must fail with EPIPE, not kill the runner. Children get default dispositions back.
        _ = Glibc.signal(SIGPIPE, SIG_IGN)
    }

    /// Claims `id` for a start or a recovery; false when it is known or being claimed already.
    private func claim(_ id: String) -> Bool {
        claimed.withLock { claimed in
            guard tasks.withLock({ $0[id] }) == nil, !claimed.contains(id) else { return false }
            claimed.insert(id)
            return true
        }
    }

    private func unclaim(_ id: String) {
        claimed.withLock { _ = $0.remove(id) }
    }

    func task(_ id: String) throws(DriverError) -> SupervisedTask {
        guard let task = tasks.withLock({ $0[id] }) else { throw .taskNotFound(id: id) }
        return task
    }

    func supervisorPath() throws(DriverError) -> String {
        if let path = options.supervisorPath { return path }
        do { return try ProgramLocator.supervisor() } catch {
            throw .startFailed(reason: error.description, recoverable: false)
        }
    }

    // MARK: start

    /// `start` on a thread of its own: the vfork-style clone, the wait for the launch reports (up to
    /// 120 s) and the fsyncs of the run's record are blocking calls, which must not hold one of the
    /// cooperative pool's few threads. A cancelled caller still gets the outcome (the start is not cut
    /// short: a started task is registered and its handle returned, never left unknown).
    func startOffPool(_ config: TaskConfig, plan: LaunchPlan, limits: CgroupLimits, namespaces: UInt64)
        async throws(DriverError) -> TaskHandle {
        do {
            return try await onOwnThread("task-start") { _ in
                try self.start(config, plan: plan, limits: limits, namespaces: namespaces)
            }
        } catch let error as DriverError {
            throw error
        } catch {
            throw .startFailed(reason: "\(error)", recoverable: true)
        }
    }

    /// Starts `plan` for `config` with `limits`: state directory, log directory, cgroup, supervisor.
    /// On any failure everything created so far is removed.
    func start(_ config: TaskConfig, plan: LaunchPlan, limits: CgroupLimits, namespaces: UInt64)
        throws(DriverError) -> TaskHandle {
        let id = try TaskConfig.parseID(config.id)
        guard claim(config.id) else {
            throw .startFailed(reason: "task \(config.id) already exists", recoverable: false)
        }
        defer { unclaim(config.id) }
        let supervisor = try supervisorPath()
        let logs = try logFiles(config)
        let state = StateDirectory(path: "\(options.stateRoot)/\(id.allocID)/\(id.task)/\(id.restart)")
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else {
            throw .startFailed(reason: SyscallError.current("open", path: "/dev/null").description, recoverable: true)
        }
        defer { close(devNull) }
        let rotation = LogRotation(maxFileBytes: max(1, config.logging.maxFileSizeMiB) << 20,
                                   maxFiles: max(1, config.logging.maxFiles))
        let cgroupName = "\(id.allocID).\(id.task).\(id.restart)"
        let cgroupPath = options.cgroupParent + "/" + cgroupName
        let (crashPoint, driverName, parent) = (options.crashPoint, self.driverName, options.cgroupParent)
        let removeState = { (state: StateDirectory) in self.removeState(state.path) }

        var start = SupervisedStart(plan: plan, state: state, launcher: Launcher(supervisorPath: supervisor, logRotation: rotation))
        start.cgroup = SupervisedStart.CgroupRequest(name: cgroupName, parent: parent, limits: limits)
        start.removeState = removeState
        start.io.logs = logs
        start.io.forward = false
        start.io.standardFDs = (devNull, devNull, devNull)
        start.io.diagnosticsLog = "supervisor.log"
        start.io.taskStdin = devNull
        start.beforeLaunch = { _ in crashPoint.map(StartCrashPoint.beforeLaunch.crashIfDue) }
        // The run is recorded (handle.json, fsynced) while the task waits at its start barrier, before
        // its command runs: a runner that dies at any point of the start finds the run by its id and
        // adopts it (`recoverLost`); one that dies before the record leaves a task that never ran. The
        // supervisor releases a recorded run whose runner died before saying so (`startRecord`).
        var recorded: (record: SupervisedTaskState, handle: TaskHandle)?
        start.confirmStart = { supervisorPID, taskPID, cgroup in
            crashPoint.map(StartCrashPoint.atBarrier.crashIfDue)
            guard let supervisorIdentity = ProcessIdentity.current(supervisorPID) else { return false }
            let cgroupRecord = CgroupRecord(parent: parent, name: cgroupName, directories: cgroup?.placement.directories ?? [])
            // The task is the supervisor's unreaped child, held at the barrier: its pid is its own.
            let record = SupervisedTaskState(
                supervisor: supervisorIdentity, task: ProcessIdentity.current(taskPID, childOf: supervisorPID),
                cgroup: cgroupRecord, stateDirectory: state.path, startedAt: Timestamp.now(),
                namespaces: namespaces, bootID: ProcessIdentity.bootID)
            let handle = TaskHandle(driver: driverName, config: config, driverState: Self.encode(record))
            guard Self.writeHandle(handle, to: state.path + "/" + Self.handleFile) else { return false }
            recorded = (record, handle)
            crashPoint.map(StartCrashPoint.afterRecord.crashIfDue)
            return true
        }
        start.startRecord = Self.handleFile

        let run: SupervisedRun
        do { run = try start.run() } catch {
            switch error.step {
            case .stateDirectory, .unwatchable:
                throw .startFailed(reason: error.description, recoverable: true)
            case .cgroup:
                throw .startFailed(reason: error.description, recoverable: false)
            case .launch(let launchError):
                throw .startFailed(reason: error.description, recoverable: Self.isRecoverable(launchError))
            }
        }
        crashPoint.map(StartCrashPoint.afterRelease.crashIfDue)
        guard let (record, handle) = recorded, let cgroup = run.cgroup else {
            // Released without a record cannot happen (the barrier waits for it); never keep such a run.
            run.abandon(removeState: removeState)
            throw .startFailed(reason: "the task started without its run being recorded", recoverable: true)
        }
        // The main process is the supervisor's child; if it already exited and was reaped, its pid may
        // be someone else's: the pidfd is only kept when it is still the recorded process, in the cgroup.
        let taskPidfd = record.task.flatMap { $0.isMember(ofCgroup: cgroupPath) ? $0.openPidfd() : nil } ?? -1
        let task = SupervisedTask(config: config, state: record, cgroup: cgroup.manager,
                                  supervisorPidfd: run.task.supervisorPidfd, taskPidfd: taskPidfd)
        tasks.withLock { $0[config.id] = task }
        return handle
    }

    static let handleFile = "handle.json"

    /// Writes the handle durably (temporary file, fsync, rename, fsync of the directory), mode 0600:
    /// it holds the task's env. False when it could not be written: the run is not recorded.
    static func writeHandle(_ handle: TaskHandle, to path: String) -> Bool {
        guard let data = try? JSONEncoder().encode(handle) else { return false }
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return false }
        let written = data.withUnsafeBytes { corral_write_all(fd, $0.baseAddress, $0.count) } == 0
        let synced = fsync(fd) == 0
        close(fd)
        guard written, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        let directory = open(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if directory >= 0 { close(directory) } }
        guard directory >= 0, fsync(directory) == 0 else {
            // A refused run must leave no record: the supervisor (its caller dead) and the next agent
            // both take a record as "this run goes ahead".
            unlink(path)
            return false
        }
        return true
    }

    /// `recover` and `recoverLost` on a thread of their own, as an agent's restore calls them for
    /// every task: they read `/proc` and the state directory, and removing a cut start's cgroup can
    /// wait seconds for its processes to die. Inline only when no thread can be started.
    func offPool<Value: Sendable>(_ name: String, _ work: @escaping @Sendable () throws(DriverError) -> Value)
        async throws(DriverError) -> Value {
        do {
            return try await onOwnThread(name) { _ in try work() }
        } catch let error as DriverError {
            throw error
        } catch {
            return try work()
        }
    }

    /// The run `id` by its state directory: its handle record recovered, or whatever is left of
    /// it (a start cut short: a state directory without a handle, a cgroup) removed.
    func recoverLost(_ id: String) throws(DriverError) -> TaskHandle {
        if let known = tasks.withLock({ $0[id] }) {
            return TaskHandle(driver: driverName, config: known.config, driverState: Self.encode(known.state))
        }
        let parts = try TaskConfig.parseID(id)
        let path = "\(options.stateRoot)/\(parts.allocID)/\(parts.task)/\(parts.restart)"
        if let data = FileManager.default.contents(atPath: path + "/" + Self.handleFile),
           let handle = try? JSONDecoder().decode(TaskHandle.self, from: data), handle.id == id, handle.driver == driverName {
            try recover(handle)
            return handle
        }
        // No record: the start was cut short before its task could run its command (it waits at its
        // start barrier for a record that never came, and ends). Whatever it left goes, in every
        // hierarchy: the limits that chose its controllers are not known here.
        let name = "\(parts.allocID).\(parts.task).\(parts.restart)"
        if let manager = try? CgroupManagers.makeForCleanup(name: name, parent: options.cgroupParent, topology: .discover()) {
            try? manager.destroy()
        }
        // Always: a start cut between creating the parents and the run's own directory leaves the
        // parents alone, which removeState takes too.
        removeState(path)
        throw .taskNotFound(id: id)
    }

    /// The log files: `<task>.stdout` and `<task>.stderr` in `alloc/logs` (created if missing).
    private func logFiles(_ config: TaskConfig) throws(DriverError) -> LogFiles {
        func split(_ path: String, key: String) throws(DriverError) -> (String, String) {
            guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), path.index(after: slash) < path.endIndex else {
                throw .invalidConfig(key: key, reason: "\"\(path)\" must be an absolute file path")
            }
            return (slash == path.startIndex ? "/" : String(path[..<slash]), String(path[path.index(after: slash)...]))
        }
        let (directory, stdoutName) = try split(config.stdoutPath, key: "stdout_path")
        let (stderrDirectory, stderrName) = try split(config.stderrPath, key: "stderr_path")
        guard directory == stderrDirectory, stdoutName != stderrName else {
            throw .invalidConfig(key: "stderr_path", reason: "must be another file in the stdout log's directory \(directory)")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .startFailed(reason: "cannot create the log directory \(directory): \(error.localizedDescription)",
                               recoverable: false)
        }
        return LogFiles(directory: directory, stdoutName: stdoutName, stderrName: stderrName)
    }

    /// A failure the same request may get past on a second try (a busy host), unlike a bad request.
    static func isRecoverable(_ error: LaunchError) -> Bool {
        switch error {
        case .usage, .invalid, .record: false
        case .child(let stage, _, _): ![.exec, .workdir, .setuid, .setgid, .mount, .root].contains(stage)
        case .system, .internal: true
        }
    }

    static func encode(_ record: SupervisedTaskState) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    // MARK: running tasks

    func wait(_ id: String) async throws(DriverError) -> ExitResult {
        try await task(id).wait()
    }

    func stop(_ id: String, timeout: Duration, signal: Int32) async throws(DriverError) {
        let task = try task(id)
        guard task.exit == nil else { return }
        if signal != SIGKILL && timeout > .zero {
            do { try task.send(signal) } catch .taskNotRunning { /* exiting already: wait below */ }
            let exited = await Self.waitForExit(task, timeout: timeout)
            if exited { return }
        }
        await Self.killAllOffPool(task)
        _ = await task.wait()
    }

    /// `killAll` on a thread of its own (inline when none can be had): on a cgroup v1 host the kill is
    /// a freeze-and-sweep that can take seconds, which must not hold a cooperative pool thread.
    static func killAllOffPool(_ task: SupervisedTask) async {
        let kill: @Sendable (CancellationFlag?) -> Void = { _ in task.killAll() }
        do { try await onOwnThread("task-kill", kill) } catch { kill(nil) }
    }

    /// Waits for the task's exit for at most `timeout`; true when it exited.
    static func waitForExit(_ task: SupervisedTask, timeout: Duration) async -> Bool {
        await withDeadline(timeout) { _ = await task.wait() } != nil
    }

    func destroy(_ id: String, force: Bool) async throws(DriverError) {
        let task = try task(id)
        if task.exit == nil {
            guard force else { throw .taskStillRunning(id: id) }
            await Self.killAllOffPool(task)
        }
        _ = await task.wait()
        // The supervisor removed the cgroup after the task; this only acts when it could not, and can
        // then wait for the cgroup to empty (up to 10 s): on a thread of its own, off the pool (inline
        // when no thread can be had). The task stays known until then, so that no recovery of the same
        // id can take up a run whose directory is being removed.
        let (cgroup, stateDirectory) = (task.cgroup, task.state.stateDirectory)
        let cleanup: @Sendable (CancellationFlag?) -> Void = { _ in
            try? cgroup?.destroy()
            self.removeState(stateDirectory)
        }
        do { try await onOwnThread("task-destroy", cleanup) } catch { cleanup(nil) }
        tasks.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Removes a task's state directory and its parents up to the state root, if they are empty.
    func removeState(_ path: String) {
        try? StateDirectory(path: path).remove()
        var parent = path
        for _ in 0..<2 {
            guard let slash = parent.lastIndex(of: "/") else { break }
            parent = String(parent[..<slash])
            guard parent.hasPrefix(options.stateRoot + "/"), rmdir(parent) == 0 else { break }
        }
    }

    func inspect(_ id: String) throws(DriverError) -> TaskStatus {
        let task = try task(id)
        let exit = task.exit
        var attributes = ["supervisor_pid": String(task.state.supervisor.pid),
                          "state_directory": task.state.stateDirectory]
        if let pid = task.state.task?.pid { attributes["pid"] = String(pid) }
        if let cgroup = task.state.cgroup { attributes["cgroup"] = cgroup.relativePath }
        return TaskStatus(id: id, name: task.config.name, state: exit == nil ? .running : .exited,
                          startedAt: task.state.startedAt, completedAt: exit?.at, exitResult: exit?.result,
                          driverAttributes: attributes)
    }

    func signal(_ id: String, signal: Int32) throws(DriverError) {
        let task = try task(id)
        guard task.exit == nil else { throw .taskNotRunning(id: id) }
        try task.send(signal)
    }

    /// Readings of the task's cgroup every `interval`, until it exits or the consumer stops.
    func stats(_ id: String, interval: Duration, megahertzPerCPU: Double) throws(DriverError) -> AsyncStream<TaskResourceUsage> {
        let task = try task(id)
        guard let cgroup = task.cgroup else { throw .unsupported(operation: "stats of a task without a cgroup") }
        return AsyncStream { continuation in
            let sampler = Task {
                var tracker = ResourceUsageTracker(megahertzPerCPU: megahertzPerCPU)
                let clock = ContinuousClock()
                let origin = clock.now
                while !Task.isCancelled, task.exit == nil, let stats = try? cgroup.stats() {
                    let elapsed = clock.now - origin
                    let nanos = UInt64(elapsed.components.seconds) * 1_000_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000)
                    continuation.yield(tracker.usage(stats, at: nanos, timestamp: Self.unixNanos()))
                    // A sampling period, not synchronisation.
                    try? await Task.sleep(for: interval)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in sampler.cancel() }
        }
    }

    static func unixNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    // MARK: recover

    /// Reattaches to the task of `handle`: a supervisor that still runs as the same process (pid and
    /// start time), or a task whose exit.json records how it ended. Anything else is gone: its
    /// leftovers are removed and `.taskNotFound` thrown.
    func recover(_ handle: TaskHandle) throws(DriverError) {
        guard handle.driver == driverName else {
            throw .invalidConfig(key: "handle.driver", reason: "\"\(handle.driver)\" is not this driver (\(driverName))")
        }
        if tasks.withLock({ $0[handle.id] }) != nil { return }
        guard let record = try? JSONDecoder().decode(SupervisedTaskState.self, from: Data(handle.driverState.utf8)) else {
            throw .invalidConfig(key: "handle.driver_state", reason: "not a \(driverName) task record")
        }
        guard claim(handle.id) else { return }
        defer { unclaim(handle.id) }
        let manager = record.cgroup?.manager()
        // Pids and start times repeat after a reboot: a record from another boot matches nothing.
        let sameBoot = record.bootID == nil || record.bootID == ProcessIdentity.bootID
        if sameBoot, let supervisorPidfd = record.supervisor.openPidfd() {
            // The supervisor is the task's parent and reports its exit; the main process gets a pidfd
            // (for signals) only if it is still the same process, in the task's cgroup.
            var taskPidfd: Int32 = -1
            if let task = record.task, record.cgroup.map({ task.isMember(ofCgroup: $0.relativePath) }) ?? true {
                taskPidfd = task.openPidfd() ?? -1
            }
            register(handle.config, record: record, cgroup: manager, supervisorPidfd: supervisorPidfd, taskPidfd: taskPidfd)
            return
        }
        if access(record.stateDirectory + "/exit.json", F_OK) == 0 {
            // Exited while nobody watched: the supervisor is gone, its record stays.
            register(handle.config, record: record, cgroup: manager, supervisorPidfd: -1, taskPidfd: -1)
            return
        }
        try? manager?.destroy()
        removeState(record.stateDirectory)
        throw .taskNotFound(id: handle.id)
    }

    private func register(_ config: TaskConfig, record: SupervisedTaskState, cgroup: (any CgroupManager)?,
                          supervisorPidfd: Int32, taskPidfd: Int32) {
        let task = SupervisedTask(config: config, state: record, cgroup: cgroup, supervisorPidfd: supervisorPidfd,
                                  taskPidfd: taskPidfd)
        tasks.withLock { $0[config.id] = task }
    }
}
