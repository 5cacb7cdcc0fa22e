import CCorralHost
#if canImport(Glibc)
import Glibc
#endif

/// A process as the kernel names it for good: pid plus start time (clock ticks after boot, field 22
/// of `/proc/PID/stat`). A pid is reused once its process is gone; the pair is not, so a handle can
/// never be taken for whatever process holds the pid now.
///
/// The drivers keep these in `handle.json` (`SupervisedTaskState`); `corral isolate` records them in
/// `task.json` (`TaskRecord`) for `corral ps`, `kill` and `prune`. No Foundation: `corral isolate`
/// reads them on every start.
package struct ProcessIdentity: Codable, Equatable, Sendable {
    package var pid: Int32
    package var startTime: UInt64

    enum CodingKeys: String, CodingKey {
        case pid
        case startTime = "start_time"
    }

    package init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// The identity of the process that holds `pid` now; nil when there is none.
    package static func current(_ pid: Int32) -> ProcessIdentity? {
        guard let fields = statFields(pid), fields.count > 19,
              let start = UInt64(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        return ProcessIdentity(pid: pid, startTime: start)
    }

    /// The identity of `pid` when it is a child of `parent` (not yet reaped by it: its pid cannot
    /// have been reused); nil otherwise.
    package static func current(_ pid: Int32, childOf parent: Int32) -> ProcessIdentity? {
        guard let fields = statFields(pid), fields.count > 19,
              Int32(String(decoding: fields[1], as: UTF8.self)) == parent,
              let start = UInt64(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        return ProcessIdentity(pid: pid, startTime: start)
    }

    /// The fields of `/proc/PID/stat` after "pid (comm) ": field 3 (state) first, so the start time
    /// (field 22) is at index 19. The command name may hold spaces and parentheses: the fields start
    /// after its last `)`.
    private static func statFields(_ pid: Int32) -> [ArraySlice<UInt8>]? {
        guard pid > 0, let stat = readProcFile("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        return stat[(close + 1)...].split(separator: UInt8(ascii: " "))
    }

    /// This boot of the kernel: pid and start time only name a process within one boot.
    package static let bootID: String? = readProcFile("/proc/sys/kernel/random/boot_id").map { bytes in
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") }
        var trimmed = bytes[...]
        while let first = trimmed.first, isSpace(first) { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, isSpace(last) { trimmed = trimmed.dropLast() }
        return String(decoding: trimmed, as: UTF8.self)
    }

    /// Whether the process still runs (or is a zombie not yet reaped) as this identity.
    package var isAlive: Bool { Self.current(pid) == self }

    /// Whether the process is this identity and has not exited: a zombie has (all that is left of it
    /// is its parent's wait, which may come late: an orphan's new parent reaps when it pleases).
    package var isRunning: Bool { isAlive && !Self.isZombie(pid) }

    /// Whether `pid` is held by a process that has exited and is not reaped yet (state Z, or X while
    /// it is being reaped).
    package static func isZombie(_ pid: Int32) -> Bool {
        guard let state = statFields(pid)?.first?.first else { return false }
        return state == UInt8(ascii: "Z") || state == UInt8(ascii: "X")
    }

    /// A pidfd for this very process, or nil when it is gone (or the pid is someone else's now).
    /// Race-free: the identity is checked after the pidfd is open, and a pidfd cannot change process.
    package func openPidfd() -> Int32? {
        let fd = corral_pidfd_open(pid)
        guard fd >= 0 else { return nil }
        guard isAlive else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Whether the process is in the cgroup `relativePath` (as `/proc/PID/cgroup` lists it, any hierarchy).
    package func isMember(ofCgroup relativePath: String) -> Bool {
        guard let text = Self.readProcFile("/proc/\(pid)/cgroup") else { return false }
        let wanted = "/" + relativePath.split(separator: "/").joined(separator: "/")
        return String(decoding: text, as: UTF8.self).split(separator: "\n").contains { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            return parts.count == 3 && (parts[2] == wanted || parts[2].hasPrefix(wanted + "/"))
        }
    }

    /// The command name of `pid` now (`/proc/PID/comm`: at most 15 bytes, as `prctl(PR_SET_NAME)`
    /// set it), or nil when there is no such process. Proves nothing on its own: any process may
    /// take any name.
    package static func name(of pid: Int32) -> String? {
        guard pid > 0, let bytes = readProcFile("/proc/\(pid)/comm") else { return nil }
        return String(decoding: bytes.last == UInt8(ascii: "\n") ? bytes.dropLast() : bytes[...], as: UTF8.self)
    }

    /// The files read here are a few hundred bytes; nothing beyond this is read.
    static let procFileLimit = 65536

    /// A small file of /proc, read whole (up to `procFileLimit` bytes); nil when it cannot be opened.
    static func readProcFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < procFileLimit {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }
}
