import CCorralHost
#if canImport(Glibc)
import Glibc
#endif

/// The task's main process as a pidfd that is proven to be it, before anything signals it.
///
/// The task's pid comes from the launch report; corral never signals a pid (or a process group) on
/// the report's word alone. The pid must be above 1 and, once its pidfd is open, be the supervisor's
/// child: a pid reused by another process, or one a task managed to report, is neither, and gets no
/// pidfd (the pidfd cannot change process afterwards, so the check holds for its whole life).
package enum TaskProcess {
    /// A pidfd for `taskPID` if it is `supervisorPID`'s child, else -1 (gone, reused, or forged).
    package static func openValidatedPidfd(taskPID: pid_t, supervisorPID: pid_t) -> Int32 {
        guard taskPID > 1, supervisorPID > 1, taskPID != supervisorPID else { return -1 }
        let pidfd = corral_pidfd_open(taskPID)
        guard pidfd >= 0 else { return -1 }
        guard parent(of: taskPID) == supervisorPID else {
            close(pidfd)
            return -1
        }
        return pidfd
    }

    /// The parent pid of `pid` (field 4 of `/proc/PID/stat`), or nil. A bounded read of a proc file.
    package static func parent(of pid: pid_t) -> pid_t? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0, let close = buffer[0..<n].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // After "pid (comm) ": state, then the parent pid.
        let fields = buffer[(close + 1)..<n].split(separator: UInt8(ascii: " "))
        guard fields.count > 1 else { return nil }
        return pid_t(String(decoding: fields[1], as: UTF8.self))
    }
}
