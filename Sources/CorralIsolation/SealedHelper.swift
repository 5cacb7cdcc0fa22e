import CCorralHost
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
public enum SealedHelper {
    private static let cache = Mutex<[String: Int32]>([:])

    /// The sealed copy of the program at `path` (an fd valid for the life of the process).
    public static func fd(forPath path: String, name: String) throws(LaunchError) -> Int32 {
        let result: Result<Int32, LaunchError> = cache.withLock { fds in
            if let fd = fds[path] { return .success(fd) }
            let fd = corral_sealed_copy(path, name)
            guard fd >= 0 else {
                return .failure(.system(SyscallError("make a sealed copy of the helper", errno: -fd, path: path)))
            }
            fds[path] = fd
            return .success(fd)
        }
        return try result.get()
    }
}
