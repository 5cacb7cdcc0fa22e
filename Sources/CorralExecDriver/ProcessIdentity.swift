import CCorralHost
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A process as the kernel names it for good: pid plus start time (clock ticks after boot, field 22
/// of `/proc/PID/stat`). A pid is reused once its process is gone; the pair is not, so a handle can
/// never be taken for whatever process holds the pid now.
struct ProcessIdentity: Codable, Equatable, Sendable {
    var pid: Int32
    var startTime: UInt64

    enum CodingKeys: String, CodingKey {
        case pid
        case startTime = "start_time"
    }

    /// The identity of the process that holds `pid` now; nil when there is none.
    static func current(_ pid: Int32) -> ProcessIdentity? {
        guard pid > 0, let stat = readProcFile("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // After "pid (comm) ": field 3 (state) onwards; the start time is field 22.
        let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 19, let start = UInt64(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        return ProcessIdentity(pid: pid, startTime: start)
    }

    /// The identity of `pid` when it is a child of `parent` (not yet reaped by it: its pid cannot
    /// have been reused); nil otherwise.
    static func current(_ pid: Int32, childOf parent: Int32) -> ProcessIdentity? {
        guard pid > 0, let stat = readProcFile("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 19, Int32(String(decoding: fields[1], as: UTF8.self)) == parent,
              let start = UInt64(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        return ProcessIdentity(pid: pid, startTime: start)
    }

    /// This boot of the kernel: pid and start time only name a process within one boot.
    static let bootID: String? = readProcFile("/proc/sys/kernel/random/boot_id").map {
        String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the process still runs (or is a zombie not yet reaped) as this identity.
    var isAlive: Bool { Self.current(pid) == self }

    /// A pidfd for this very process, or nil when it is gone (or the pid is someone else's now).
    /// Race-free: the identity is checked after the pidfd is open, and a pidfd cannot change process.
    func openPidfd() -> Int32? {
        let fd = corral_pidfd_open(pid)
        guard fd >= 0 else { return nil }
        guard isAlive else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Whether the process is in the cgroup `relativePath` (as `/proc/PID/cgroup` lists it, any hierarchy).
    func isMember(ofCgroup relativePath: String) -> Bool {
        guard let text = Self.readProcFile("/proc/\(pid)/cgroup") else { return false }
        let wanted = "/" + relativePath.split(separator: "/").joined(separator: "/")
        return String(decoding: text, as: UTF8.self).split(separator: "\n").contains { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            return parts.count == 3 && (parts[2] == wanted || parts[2].hasPrefix(wanted + "/"))
        }
    }

    static func readProcFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }
}
