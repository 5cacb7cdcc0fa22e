#if canImport(Glibc)
import Glibc
#endif

/// Files of /proc and /sys read to their end.
///
/// Foundation's `String(contentsOfFile:)` sizes its read by `st_size`, which is 0 for these files,
/// and stops after the first read: 4 KiB of /proc/self/mountinfo, so a host with a few dozen mounts
/// hid the newest ones (the ones a test had just made) from every mount-table check.
package enum ProcFile {
    /// The whole text of `path`; nil when it cannot be opened or read.
    package static func text(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes += chunk[..<count]
        }
    }
}
