import CorralTestFiles
import Foundation

/// A minimal image built by a test: a static busybox as `/bin/busybox` with `/bin/sh` pointing at it,
/// an `/etc/passwd`, and whatever hostile parts the test plants. Under /var/tmp: a task's fresh /tmp
/// would hide a directory under /tmp if a test ever bound it in.
struct HostileImage {
    let base: String
    var root: String { base + "/root" }

    /// Why images cannot be built here, or nil.
    static let skipReason: String? = access("/bin/busybox", X_OK) == 0 ? nil : "no static /bin/busybox (apt-get install busybox-static)"

    init() throws {
        base = "/var/tmp/corral-hostile-\(UUID().uuidString.prefix(8))"
        let fm = FileManager.default
        try fm.createDirectory(atPath: base + "/root/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: base + "/root/etc", withIntermediateDirectories: true)
        try ExecutableFile.copy("/bin/busybox", to: root + "/bin/busybox")
        try fm.createSymbolicLink(atPath: root + "/bin/sh", withDestinationPath: "busybox")
        try "root:x:0:0:root:/root:/bin/sh\n".write(toFile: root + "/etc/passwd", atomically: true, encoding: .utf8)
    }

    /// Plants a symlink `path` (inside the image) -> `target`.
    func link(_ path: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + path, withDestinationPath: target)
    }

    func directory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: root + path, withIntermediateDirectories: true)
    }

    /// Plants a file; through a close-on-exec write, as a task may execute it (see `ExecutableFile`).
    func file(_ path: String, _ contents: String = "", mode: mode_t = 0o644) throws {
        try ExecutableFile.write(contents, to: root + path, mode: mode)
    }

    func fifo(_ path: String) { mkfifo(root + path, 0o644) }

    func remove() { try? FileManager.default.removeItem(atPath: base) }
}
