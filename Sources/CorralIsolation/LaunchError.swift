import CCorralLaunch
#if canImport(Glibc)
import Glibc
#endif

/// Why a task could not be started: either a problem found before anything was created
/// (`invalid`), a host-side syscall failure, or a failure reported by the child at a `Stage`.
public enum LaunchError: Error, Equatable, CustomStringConvertible {
    /// The request is not valid; `option` names what the user should change.
    case invalid(option: String, value: String, reason: String)
    /// A host-side operation failed before or while starting the task.
    case system(SyscallError)
    /// The supervisor or the task failed at `stage`; `subject` says what, quoted (`"/bin/nosuch"`).
    case child(stage: Stage, errno: Int32, subject: String?)

    /// The step of the launch at which a child failed (mirrors `enum corral_stage`).
    public enum Stage: Int32, Sendable, CustomStringConvertible {
        case supervisorSetup = 1, clone, supervisorExec, sync, stdio, mountPrivate, root, mount,
             pivotRoot, rootReadonly, hostname, loopback, rlimit, setgroups, setgid, setuid,
             workdir, noNewPrivs, closeFds, signals, tty, exec

        public var description: String {
            switch self {
            case .supervisorSetup: "supervisor"
            case .clone: "clone"
            case .supervisorExec: "supervisor exec"
            case .sync: "sync"
            case .stdio: "stdio"
            case .mountPrivate: "mount private"
            case .root: "root"
            case .mount: "mount"
            case .pivotRoot: "pivot_root"
            case .rootReadonly: "root read-only"
            case .hostname: "hostname"
            case .loopback: "loopback"
            case .rlimit: "rlimit"
            case .setgroups: "setgroups"
            case .setgid: "setgid"
            case .setuid: "setuid"
            case .workdir: "workdir"
            case .noNewPrivs: "no_new_privs"
            case .closeFds: "close fds"
            case .signals: "signals"
            case .tty: "tty"
            case .exec: "exec"
            }
        }
    }

    /// The conventional exit status for this failure: 127 not found, 126 not executable, else 125.
    public var exitStatus: Int32 {
        if case .child(.exec, let errno, _) = self {
            if errno == ENOENT || errno == ENOTDIR { return 127 }
            if errno == EACCES || errno == ENOEXEC || errno == EISDIR { return 126 }
        }
        return 125
    }

    public var description: String {
        switch self {
        case .invalid(let option, let value, let reason):
            return "\(option) \"\(value)\": \(reason)"
        case .system(let error):
            return error.description
        case .child(let stage, let errno, let subject):
            let what = subject.map { "\(stage) \($0)" } ?? "\(stage)"
            return "\(what): \(errnoDescription(errno)) (stage \(stage))"
        }
    }
}
