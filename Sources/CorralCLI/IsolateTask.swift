import CCorralHost
import CorralHostFS
import CorralIsolation
#if canImport(Glibc)
import Glibc
#endif

/// One task of `corral isolate` as its state directory shows it (`/run/corral/isolate/<id>`): its
/// record (`task.json`), its exit (`exit.json`) and, from both and /proc, its state.
///
/// The directory and its records are root's, but read as `CorralHostFS` reads what a task can
/// write (no link followed, regular files only, opened non-blocking, reads bounded): nothing in
/// them is believed beyond what it says, and a malformed one is a task of state `unknown`.
struct IsolateTask: Sendable {
    /// The directory's name: the task's id unless `--state-dir` chose the name.
    let id: String
    let path: String
    let directory: HostDirectory?
    let record: TaskRecord?
    let exit: TaskExit?
    let state: IsolateTaskState
    /// The supervisor runs as recorded (after the task's exit, while it finishes the task's cgroup;
    /// a zombie does not count).
    let supervisorAlive: Bool
    /// The `corral isolate` that started the task still runs: it removes the directory itself once
    /// the task has ended and it has read the exit.
    let callerAlive: Bool

    /// The largest task.json and exit.json read (they are a few hundred bytes).
    static let recordLimit = 1 << 20

    /// Reads the task in `name` beneath `root` (the state root, opened as trusted).
    static func load(_ name: String, in root: HostDirectory) -> IsolateTask {
        let path = root.path + "/" + name
        func unknown(_ reason: String, directory: HostDirectory? = nil, record: TaskRecord? = nil) -> IsolateTask {
            IsolateTask(id: name, path: path, directory: directory, record: record, exit: nil, state: .unknown(reason: reason),
                        supervisorAlive: false, callerAlive: false)
        }
        let directory: HostDirectory
        do { directory = try root.directory(name) } catch { return unknown(error.description) }
        let record: TaskRecord
        do {
            let bytes = try directory.regularFile("task.json").readAll(limit: recordLimit)
            record = try TaskRecord.parse(String(decoding: bytes, as: UTF8.self))
        } catch let error as HostFSError where error.isMissing {
            return unknown("no task.json (a task still starting, or a start cut short)", directory: directory)
        } catch {
            return unknown("task.json: \(error)", directory: directory)
        }
        // Liveness first, then the exit record (see IsolateTaskState.classify).
        let alive = Self.isAlive(record)
        var exit: Result<TaskExit, TaskExitReadError>?
        do {
            let bytes = try directory.regularFile("exit.json").readAll(limit: recordLimit)
            exit = .success(try TaskExit.parse(String(decoding: bytes, as: UTF8.self)))
        } catch let error as HostFSError where error.isMissing {
            exit = nil
        } catch {
            exit = .failure(TaskExitReadError(description: "exit.json: \(error)"))
        }
        return IsolateTask(id: name, path: path, directory: directory, record: record, exit: try? exit?.get(),
                           state: .classify(supervisorAlive: alive, exit: exit), supervisorAlive: alive,
                           callerAlive: record.caller?.isRunning ?? false)
    }

    /// Whether the recorded supervisor still runs (a zombie has exited). A pid counts only with the
    /// recorded start time; a record from before start times were kept is believed only while the
    /// pid is held by a process named as the supervisor names itself.
    static func isAlive(_ record: TaskRecord) -> Bool {
        if let supervisor = record.supervisor { return supervisor.isRunning }
        return ProcessIdentity.name(of: record.supervisorPID) == supervisorName && !ProcessIdentity.isZombie(record.supervisorPID)
    }

    /// A pidfd for the task's supervisor while it runs as recorded (checked after the pidfd is open:
    /// it cannot name another process afterwards); nil otherwise. The caller closes it.
    func openSupervisorPidfd() -> Int32? {
        guard let record else { return nil }
        if let supervisor = record.supervisor { return supervisor.openPidfd() }
        let pidfd = corral_pidfd_open(record.supervisorPID)
        guard pidfd >= 0 else { return nil }
        guard ProcessIdentity.name(of: record.supervisorPID) == Self.supervisorName else {
            close(pidfd)
            return nil
        }
        return pidfd
    }

    /// What corral-supervisor calls itself (`prctl(PR_SET_NAME)` in Sources/corral-supervisor/main.c).
    static let supervisorName = "corral-supervis"
}
