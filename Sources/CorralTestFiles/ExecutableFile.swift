#if canImport(Glibc)
import Glibc
#endif

/// Files a test writes and a task later executes (a copied busybox, a script).
///
/// Written through a close-on-exec descriptor, never Foundation's writers: those open without
/// `O_CLOEXEC`, and `Process` lists the descriptors to close before it clones, so a write descriptor
/// opened by one test between another test's listing and its clone stays open in that test's
/// `corral` for its whole run. An executable with a writer anywhere fails `execve` with ETXTBSY
/// ("Text file busy"), which a CI run saw once in the cgroup v2 guest.
package enum ExecutableFile {
    /// An error naming the path and the call that failed.
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// Writes `bytes` to a new file at `path` (replacing one there) with `mode`.
    package static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o755) throws {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw Failure(description: "open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw Failure(description: "write \(path): \(String(cString: strerror(errno)))") }
            written += count
        }
        // The umask may have taken bits away.
        guard fchmod(fd, mode) == 0 else { throw Failure(description: "chmod \(path): \(String(cString: strerror(errno)))") }
    }

    /// Writes `text` as UTF-8.
    package static func write(_ text: String, to path: String, mode: mode_t = 0o755) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// Copies the file at `source` to `path` with `mode` (a static busybox into a test image).
    package static func copy(_ source: String, to path: String, mode: mode_t = 0o755) throws {
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "open \(source): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Failure(description: "read \(source): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        try write(bytes, to: path, mode: mode)
    }
}
