import CCorralHost
import CorralHostFS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sealed in-memory copies of corral's helper programs (`corral-init`, `corral-supervisor`), one per
/// path and process.
///
/// Every task's last step execs the helper from such a copy, and the helper execs the task's command
/// (or runs as its init). So no process of a task ever runs, or finds at `/proc/<pid>/exe`, a host
/// executable it could open for writing or exec again (the CVE-2019-5736 class): the memfd is sealed
/// against writes, resizing and new seals. The supervisor runs from such a copy too, so a task in the
/// host's pid namespace finds no host binary at `/proc/<supervisor>/exe` either. Made once and kept
/// for the life of the process (the fd is CLOEXEC, so nothing else we start inherits it); a few hundred
/// KiB, copied in the kernel.
///
/// The copy is shared by every start of the process, and a task may reach it (a root task running the
/// helper as its command finds it at `/proc/self/exe`): seals stop writes, but not `fchmod`/`fchown`
/// through that path. So it is checked (`fstat`) before each use and made again when its mode, owner
/// or size changed, and a copy with the set-user-ID or set-group-ID bit is never used. A replaced copy
/// is not closed (a start in progress on another thread may still hold its number); it is CLOEXEC and
/// only a task that tampered with the helper causes one.
package enum SealedHelper {
    /// What a copy looked like when it was made.
    struct Copy {
        var fd: Int32
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var size: Int
    }

    private static let cache = Mutex<[String: Copy]>([:])

    /// The sealed copy of the program at `path` (an fd valid for the life of the process).
    package static func fd(forPath path: String, name: String) throws(LaunchError) -> Int32 {
        let result: Result<Int32, LaunchError> = cache.withLock { copies in
            if let copy = copies[path], isIntact(copy) { return .success(copy.fd) }
            let fd = corral_sealed_copy(path, name)
            guard fd >= 0 else {
                return .failure(.system(SyscallError("make a sealed copy of the helper", errno: -fd, path: path)))
            }
            guard let copy = describe(fd), isIntact(copy) else {
                close(fd)
                return .failure(.system(SyscallError("check the sealed copy of the helper", errno: EPERM, path: path)))
            }
            copies[path] = copy
            return .success(fd)
        }
        return try result.get()
    }

    /// The copy's mode, owner and size now, or nil if it cannot be examined.
    static func describe(_ fd: Int32) -> Copy? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return Copy(fd: fd, mode: UInt32(st.st_mode), uid: st.st_uid, gid: st.st_gid, size: Int(st.st_size))
    }

    /// Whether the copy is still exactly as made: a regular file, mode 0555 (no set-id bits), same
    /// owner and size.
    static func isIntact(_ copy: Copy) -> Bool {
        guard let now = describe(copy.fd) else { return false }
        return now.mode & UInt32(S_IFMT) == UInt32(S_IFREG) && now.mode & 0o7777 == 0o555
            && now.mode == copy.mode && now.uid == copy.uid && now.gid == copy.gid && now.size == copy.size
    }

    /// Makes the sealed copies on a thread of its own, so that copying overlaps the caller's other
    /// start-up work (`corral isolate` makes them once per run); `fd(forPath:name:)` then takes the
    /// cached fd, or waits for the copy in progress (the lock is held while copying). Errors are
    /// left for `fd(forPath:name:)` to report.
    package static func prepare(_ programs: [(path: String, name: String)]) {
        let programs = programs.map { SendableProgram(path: $0.path, name: $0.name) }
        startOwnThread("sealed-helpers") {
            for program in programs { _ = try? SealedHelper.fd(forPath: program.path, name: program.name) }
        }
    }
}

/// A helper program to copy, handed to `prepare`'s thread.
private struct SendableProgram: Sendable {
    let path: String
    let name: String
}
