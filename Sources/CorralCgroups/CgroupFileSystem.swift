import CCorralHost
#if canImport(Glibc)
import Glibc
#endif

/// The file operations the managers perform on a cgroup tree. The live implementation talks to the
/// kernel; tests substitute a tree in a temporary directory that behaves like cgroupfs (control
/// files appear with each new directory; writes to missing files fail).
package protocol CgroupFileSystem: Sendable {
    /// `mkdir` with mode 0755; throws `.system` with EEXIST when it exists.
    func makeDirectory(_ path: String) throws(CgroupError)
    /// `rmdir`; throws `.system` with the errno (ENOENT when already gone).
    func removeDirectory(_ path: String) throws(CgroupError)
    /// Writes `value` in one `write(2)`, as cgroupfs requires; the file must exist.
    func write(_ value: String, to path: String) throws(CgroupError)
    /// Reads a whole file.
    func read(_ path: String) throws(CgroupError) -> String
    func exists(_ path: String) -> Bool
    /// Opens `path` with `flags` (O_CLOEXEC added) for handing to the launcher; returns the fd.
    func open(_ path: String, flags: Int32) throws(CgroupError) -> Int32
    /// Waits up to `milliseconds` until `condition` holds for the contents of `path`. Files that
    /// notify (`cgroup.events`: the kernel raises POLLPRI on change) are watched with poll; others
    /// (the v1 `freezer.state`, which has no notification) are re-read with a short backoff.
    /// Returns false on timeout or when the file cannot be read.
    func wait(for path: String, notifies: Bool, milliseconds: Int32, until condition: (String) -> Bool) -> Bool
    /// Sends SIGKILL to `pid` if it is still a process of a cgroup named `cgroup` (or below it): a pid
    /// read from `cgroup.procs` may have been reused since. A fake tree records it instead.
    func killProcess(_ pid: Int32, ifIn cgroup: String)
    /// The directories directly under `path` (cgroups a task made inside its own); empty if none.
    func subdirectories(_ path: String) -> [String]
    /// Loads a device-cgroup BPF program and attaches it to the cgroup `directory` (v2).
    func attachDeviceProgram(_ program: [UInt8], to directory: String) throws(CgroupError)
}

/// The real cgroup filesystem.
package struct LiveCgroupFileSystem: CgroupFileSystem {
    package init() {}

    package func makeDirectory(_ path: String) throws(CgroupError) {
        guard mkdir(path, 0o755) == 0 else {
            throw .system(operation: "create cgroup", path: path, value: nil, errno: errno)
        }
    }

    package func removeDirectory(_ path: String) throws(CgroupError) {
        guard rmdir(path) == 0 else {
            throw .system(operation: "remove cgroup", path: path, value: nil, errno: errno)
        }
    }

    package func write(_ value: String, to path: String) throws(CgroupError) {
        let fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: path, value: value, errno: errno) }
        defer { close(fd) }
        var bytes = Array(value.utf8)
        let count = bytes.count
        let written = bytes.withUnsafeMutableBytes { buffer -> Int in
            while true {
                let n = Glibc.write(fd, buffer.baseAddress, count)
                if n < 0 && errno == EINTR { continue }
                return n
            }
        }
        guard written == count else {
            throw .system(operation: "set", path: path, value: value, errno: written < 0 ? errno : EIO)
        }
    }

    package func read(_ path: String) throws(CgroupError) -> String {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "read", path: path, value: nil, errno: errno) }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .system(operation: "read", path: path, value: nil, errno: errno) }
            if n == 0 { break }
            result += buffer[0..<n]
        }
        return String(decoding: result, as: UTF8.self)
    }

    package func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    package func killProcess(_ pid: Int32, ifIn cgroup: String) {
        guard pid > 0 else { return }
        // A pidfd names one process: if the pid is reused after the check, the signal fails instead of
        // reaching a stranger.
        let pidfd = corral_pidfd_open(pid)
        guard pidfd >= 0 else { return }
        defer { close(pidfd) }
        guard let text = try? read("/proc/\(pid)/cgroup"), Self.names(text, cgroup: cgroup) else { return }
        _ = corral_pidfd_send_signal(pidfd, SIGKILL)
    }

    /// Whether a `/proc/<pid>/cgroup` text puts the process in `cgroup` or below it.
    static func names(_ text: String, cgroup: String) -> Bool {
        text.split(separator: "\n").contains { line in
            line.hasSuffix("/" + cgroup) || line.contains("/" + cgroup + "/")
        }
    }

    package func attachDeviceProgram(_ program: [UInt8], to directory: String) throws(CgroupError) {
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: directory, value: nil, errno: errno) }
        defer { close(fd) }
        var log = [CChar](repeating: 0, count: 4096)
        let rc = program.withUnsafeBytes { bytes in
            corral_attach_device_program(fd, bytes.baseAddress, UInt32(program.count / 8), &log, UInt32(log.count))
        }
        guard rc == 0 else {
            throw .system(operation: "attach the device program (bpf) to", path: directory, value: nil, errno: -rc)
        }
    }

    package func subdirectories(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var result: [String] = []
        while let entry = readdir(dir) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { result.append(path + "/" + name) }
        }
        return result
    }

    package func open(_ path: String, flags: Int32) throws(CgroupError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: path, value: nil, errno: errno) }
        return fd
    }

    package func wait(for path: String, notifies: Bool, milliseconds: Int32, until condition: (String) -> Bool) -> Bool {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let end = Int64(deadline.tv_sec) * 1000 + Int64(deadline.tv_nsec) / 1_000_000 + Int64(milliseconds)
        var backoff: Int64 = 1
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            // Reading from offset 0 both gets the current state and re-arms kernfs's change
            // notification, so a change after this read wakes the poll below: no lost wake-up.
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return false }
            if condition(String(decoding: buffer[0..<n], as: UTF8.self)) { return true }
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let left = end - (Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
            if left <= 0 { return false }
            if notifies {
                var entry = pollfd(fd: fd, events: Int16(POLLPRI), revents: 0)
                _ = poll(&entry, 1, Int32(left))
            } else {
                let pause = min(backoff, left)
                var interval = timespec(tv_sec: 0, tv_nsec: Int(pause) * 1_000_000)
                _ = nanosleep(&interval, nil)
                backoff = min(backoff * 2, 16)
            }
        }
    }
}
