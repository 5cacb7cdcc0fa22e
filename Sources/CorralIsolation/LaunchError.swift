import CCorralLaunch
#if canImport(Glibc)
import Glibc
#endif

/// Why a task could not be started: a problem found before anything was created (`usage`: the
/// request is malformed wherever it runs; `invalid`: this host cannot satisfy it), a host-side
/// syscall failure, a failure reported by the child at a `Stage`, or a record that cannot be read.
package enum LaunchError: Error, Equatable, CustomStringConvertible {
    /// The request is malformed (a relative path, a bad name); `option` names what to change. Exit 2.
    case usage(option: String, value: String, reason: String)
    /// The request is well-formed but cannot be carried out here (a source or user that does not
    /// exist); `option` names what to change. Exit 125.
    case invalid(option: String, value: String, reason: String)
    /// A host-side operation failed before or while starting the task.
    case system(SyscallError)
    /// The supervisor or the task failed at `stage`; `subject` says what, quoted (`"/bin/nosuch"`).
    case child(stage: Stage, errno: Int32, subject: String?)
    /// A state record (`exit.json`, `task.json`) exists but does not say what it should.
    case record(path: String, reason: String)
    /// The launch protocol was broken (e.g. the supervisor exited without reporting the task).
    case `internal`(String)

    /// The step of the launch at which a child failed (mirrors `enum corral_stage`; `LaunchMirrorTests`
    /// checks every case against the C header).
    package enum Stage: Int32, Sendable, CaseIterable, CustomStringConvertible {
        case supervisorSetup = 1, clone, supervisorExec, cgroup, stdio, mountPrivate, root, mount,
             pivotRoot, rootReadonly, hostname, loopback, rlimit, setgroups, setgid, setuid,
             workdir, noNewPrivs, closeFds, signals, tty, exec, supervisorGone, capabilities, seccomp, join, startBarrier, helperExec

        package var description: String {
            switch self {
            case .supervisorSetup: "supervisor"
            case .clone: "clone"
            case .supervisorExec: "supervisor exec"
            case .cgroup: "join cgroup"
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
            case .supervisorGone: "supervisor gone"
            case .capabilities: "capabilities"
            case .seccomp: "seccomp"
            case .join: "join task namespaces"
            case .startBarrier: "start not confirmed (the run could not be recorded)"
            case .helperExec: "exec of the sealed helper"
            }
        }
    }

    /// The conventional exit status for this failure: 2 for usage errors, 127 when the command is
    /// not found, 126 when it is found but cannot be executed, else 125.
    package var exitStatus: Int32 {
        switch self {
        case .usage: return 2
        case .child(.exec, let errno, _): return errno == ENOENT || errno == ENOTDIR ? 127 : 126
        default: return 125
        }
    }

    package var description: String {
        switch self {
        case .usage(let option, let value, let reason), .invalid(let option, let value, let reason):
            return "\(option) \"\(value)\": \(reason)"
        case .record(let path, let reason):
            return "\(path): \(reason)"
        case .internal(let reason):
            return reason
        case .system(let error):
            return error.description
        case .child(let stage, let errno, let subject):
            let what = subject.map { "\(stage) \($0)" } ?? "\(stage)"
            return "\(what): \(errnoDescription(errno)) (stage \(stage))"
        }
    }
}
