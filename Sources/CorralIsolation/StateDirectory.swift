import CCorralHost
#if canImport(Glibc)
import Glibc
#endif

/// A task's state directory: `task.json` (written at start), `exit.json` (written by the
/// supervisor when the task ends), `stdout.log`/`stderr.log` (rotated).
///
/// The directory is also the mount point the task's root is assembled on, inside the task's own
/// mount namespace: there the root covers it; on the host it stays a plain directory, and the
/// supervisor writes into it through an fd. (A separate mount point directory would cost a mkdir
/// and an rmdir per task, and on ext4 with `discard` an rmdir waits for the disk.)
package struct StateDirectory: Sendable {
    package let path: String

    package init(path: String) {
        self.path = path
    }

    package var rootMountpoint: String { path }
    package var exitRecordPath: String { path + "/exit.json" }
    package var taskRecordPath: String { path + "/task.json" }

    /// Creates the directory (and missing parents, mode 0700). An existing directory must be
    /// empty: two tasks never share one, and corral never writes among someone else's files.
    package func create() throws(LaunchError) {
        guard path.hasPrefix("/") else {
            throw .usage(option: "--state-dir", value: path, reason: "must be an absolute path")
        }
        try makeDirectories(path)
        if access(taskRecordPath, F_OK) == 0 || access(exitRecordPath, F_OK) == 0 {
            throw .invalid(option: "--state-dir", value: path, reason: "already holds a task; choose another directory")
        }
        guard try entries().isEmpty else {
            throw .invalid(option: "--state-dir", value: path, reason: "is not empty; give a new or empty directory")
        }
    }

    /// Removes the directory and what corral put in it. Only files and empty directories are
    /// removed; nothing is followed or unmounted, so a mistake cannot reach outside it.
    ///
    /// A supervisor that is still ending (a run whose start was cut short) may write exit.json while
    /// the directory is being emptied: the removal goes round again until the directory is gone. Once
    /// it is, the supervisor's writes through its fd fail (a removed directory takes no new entries).
    package func remove() throws(LaunchError) {
        for attempt in 1...Self.removalAttempts {
            guard access(path, F_OK) == 0 else { return }
            for (name, isDirectory) in try entries() {
                let full = path + "/" + name
                if (isDirectory ? rmdir(full) : unlink(full)) != 0 && errno != ENOENT {
                    throw .system(.current("remove", path: full))
                }
            }
            if rmdir(path) == 0 || errno == ENOENT { return }
            if errno != ENOTEMPTY || attempt == Self.removalAttempts {
                throw .system(.current("remove state directory", path: path))
            }
        }
    }

    /// Each round removes what was there; a supervisor writes at most two entries (exit.json and its
    /// temporary file), so a few rounds always suffice.
    static let removalAttempts = 8

    /// Writes `contents` to `name` in the directory via a temporary file and rename; on failure
    /// the temporary file is removed and nothing is left half-written.
    package func writeAtomically(_ name: String, contents: String) throws(LaunchError) {
        let final = path + "/" + name
        let temporary = final + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw .system(.current("create", path: temporary)) }
        let bytes = Array(contents.utf8)
        let rc = bytes.withUnsafeBytes { corral_write_all(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard rc == 0 else {
            unlink(temporary)
            throw .system(SyscallError("write", errno: -rc, path: temporary))
        }
        guard rename(temporary, final) == 0 else {
            let error = SyscallError.current("rename", path: final)
            unlink(temporary)
            throw .system(error)
        }
    }

    /// The directory's entries (name, is a directory), without `.` and `..`.
    private func entries() throws(LaunchError) -> [(String, Bool)] {
        guard let dir = opendir(path) else { throw .system(.current("open state directory", path: path)) }
        defer { closedir(dir) }
        var names: [(String, Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            names.append((name, entry.pointee.d_type == UInt8(DT_DIR)))
        }
        return names
    }

    private func makeDirectories(_ path: String) throws(LaunchError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .system(.current("create state directory", path: prefix))
            }
        }
    }
}
