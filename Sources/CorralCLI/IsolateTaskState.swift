import CorralIsolation
import CorralRunner

/// Where a task of `corral isolate` is, told from its state directory and /proc.
enum IsolateTaskState: Equatable, Sendable {
    /// Its supervisor runs (as the recorded process, start time and all).
    case running
    /// exit.json records the command's exit code.
    case exited(code: Int32)
    /// exit.json records the signal that killed the command.
    case killed(signal: Int32)
    /// The supervisor is dead and recorded no exit (it was killed, and the task with it).
    case gone
    /// The directory cannot be read as a task: why.
    case unknown(reason: String)

    /// What the supervisor's record and its liveness say. `supervisorAlive` must be observed before
    /// `exit` is read: a supervisor writes exit.json before it exits, so one seen dead has written
    /// whatever it was going to, and a missing record then means it never will.
    static func classify(supervisorAlive: Bool, exit: Result<TaskExit, TaskExitReadError>?) -> IsolateTaskState {
        switch exit {
        case .success(let exit): exit.signal != 0 ? .killed(signal: exit.signal) : .exited(code: exit.exitCode)
        case .failure(let error): .unknown(reason: error.description)
        case nil: supervisorAlive ? .running : .gone
        }
    }

    /// Whether the task may still be running: `ps` lists these without `--all`, `prune` keeps them.
    var mayBeRunning: Bool {
        switch self {
        case .running, .unknown: true
        case .exited, .killed, .gone: false
        }
    }

    /// `running`, `exited 0`, `killed by SIGKILL`, `gone`, `unknown: REASON`.
    var text: String {
        switch self {
        case .running: "running"
        case .exited(let code): "exited \(code)"
        case .killed(let signal): "killed by \(SignalName.name(signal))"
        case .gone: "gone"
        case .unknown(let reason): "unknown: \(reason)"
        }
    }

    /// The state's name in `ps --json`.
    var name: String {
        switch self {
        case .running: "running"
        case .exited: "exited"
        case .killed: "killed"
        case .gone: "gone"
        case .unknown: "unknown"
        }
    }
}

/// Why exit.json could not be read (it exists: a missing one is no error).
struct TaskExitReadError: Error, Equatable, CustomStringConvertible {
    var description: String
}
