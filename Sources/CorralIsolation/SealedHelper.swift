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

    /// Makes the sealed copies on a thread of its own, so that copying overlaps the caller's other
    /// start-up work (`corral isolate` makes them once per run); `fd(forPath:name:)` then takes the
    /// cached fd, or waits for the copy in progress (the lock is held while copying). Errors are
    /// left for `fd(forPath:name:)` to report.
    public static func prepare(_ programs: [(path: String, name: String)]) {
        let request = Unmanaged.passRetained(PrepareRequest(programs)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let request = Unmanaged<PrepareRequest>.fromOpaque(raw!).takeRetainedValue()
            for program in request.programs { _ = try? SealedHelper.fd(forPath: program.path, name: program.name) }
            return nil
        }, request)
        if rc == 0 { pthread_detach(thread) } else { Unmanaged<PrepareRequest>.fromOpaque(request).release() }
    }
}

/// What `SealedHelper.prepare` hands its thread: immutable after init, and owned by that thread alone.
private final class PrepareRequest: Sendable {
    let programs: [(path: String, name: String)]
    init(_ programs: [(path: String, name: String)]) { self.programs = programs }
}
