import CorralHostFS
import CorralRunner
import Glibc

/// The runner's task directories on the host (docs/architecture.md, section 1): plain directories, with each task's
/// `secrets/` a private tmpfs (mode 0700, `nosuid,nodev,noexec`, 1 MiB, as Nomad), so secrets never
/// reach the disk. Needs CAP_SYS_ADMIN for the mounts; `destroy` unmounts before it removes.
///
/// What a task writes there must be of no use to anyone else on the host (docs/security.md): the
/// allocation directory is root's and 0700, so no other host user can even reach it (the task
/// itself reaches `alloc/`, `local/` and `secrets/` through its bind mounts, whose parents it never
/// traverses), and it is a bind mount of itself with `nosuid,nodev`, so a setuid binary or a device
/// node a task leaves there is inert on the host too, even for root. That mount belongs to the
/// allocation: `build` makes it (once), `destroy` removes it with the directory; kept allocations
/// (`corral run --keep`) keep it until they are removed.
package struct HostTaskDirBuilder: TaskDirBuilder {
    /// The tmpfs size for `secrets/`.
    package var secretsSizeBytes: Int

    package init(secretsSizeBytes: Int = 1 << 20) {
        self.secretsSizeBytes = secretsSizeBytes
    }

    /// The layout's modes: the allocation directory root-only; inside it, what the task's user
    /// (which need not be root) must be able to write through its bind mounts.
    static func layout(_ directory: TaskDirectory) -> [(path: String, mode: mode_t)] {
        [(directory.allocDir, 0o700), (directory.sharedDir, 0o755), (directory.sharedDataDir, 0o777),
         (directory.logDir, 0o777), (directory.sharedTmpDir, 0o1777), (directory.taskDir, 0o755),
         (directory.localDir, 0o777), (directory.secretsDir, 0o700), (directory.tmpDir, 0o1777)]
    }

    package func build(_ directory: TaskDirectory) async throws {
        try Self.makeParents(of: directory.allocDir)
        try Self.makeDirectory(directory.allocDir, mode: 0o700)
        try Self.makeInert(directory.allocDir)
        for (path, mode) in Self.layout(directory).dropFirst() {
            try Self.makeDirectory(path, mode: mode)
        }
        guard try !Self.isMountPoint(Self.realPath(directory.secretsDir)) else { return }
        let flags = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)
        guard mount("tmpfs", directory.secretsDir, "tmpfs", flags, "mode=0700,size=\(secretsSizeBytes)") == 0 else {
            throw AllocDirError(operation: "mount tmpfs", path: directory.secretsDir, errno: errno)
        }
    }

    /// Makes the allocation directory a bind mount of itself with `nosuid,nodev` (unless it is one
    /// already): set-user-id bits and device nodes below it mean nothing on the host. Not `noexec`:
    /// tasks run programs from their `local/` (artifacts), and the task's own bind mounts inherit
    /// these flags.
    static func makeInert(_ allocDir: String) throws(AllocDirError) {
        let real = try realPath(allocDir)
        let mounts: [MountEntry]
        do { mounts = try mountEntries(below: real) } catch let error as AllocDirError { throw error } catch {
            throw AllocDirError(operation: "read", path: "/proc/self/mountinfo", errno: EIO)
        }
        let flags = UInt(MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV)
        if let own = mounts.last(where: { $0.point == real }) {
            guard !(own.options.contains("nosuid") && own.options.contains("nodev")) else { return }
            guard mount(nil, real, nil, flags | (own.options.contains("ro") ? UInt(MS_RDONLY) : 0), nil) == 0 else {
                throw AllocDirError(operation: "remount nosuid,nodev", path: real, errno: errno)
            }
            return
        }
        guard mount(real, real, nil, UInt(MS_BIND), nil) == 0 else {
            throw AllocDirError(operation: "bind mount", path: real, errno: errno)
        }
        guard mount(nil, real, nil, flags, nil) == 0 else {
            let code = errno
            umount2(real, Int32(MNT_DETACH))
            throw AllocDirError(operation: "remount nosuid,nodev", path: real, errno: code)
        }
    }

    package func destroy(allocDir: String) async throws {
        guard allocDir.hasPrefix("/") else { throw AllocDirError(operation: "remove", path: allocDir, errno: EINVAL) }
        // Mount points are listed by their real path: resolve the allocation root's symlinks first.
        guard let resolved = realpath(allocDir, nil) else {
            if errno == ENOENT { return }
            throw AllocDirError(operation: "resolve", path: allocDir, errno: errno)
        }
        let root = String(cString: resolved)
        free(resolved)
        // Unmount every task's secrets, then the directory's own bind mount: removing files must
        // never descend into a live mount (the removal refuses to cross one anyway).
        for mountPoint in try Self.mountPoints(below: root).sorted(by: { $0.count > $1.count }) {
            guard umount2(mountPoint, Int32(MNT_DETACH)) == 0 || errno == EINVAL || errno == ENOENT else {
                throw AllocDirError(operation: "unmount", path: mountPoint, errno: errno)
            }
        }
        // On a thread of its own: a tree a task made can be deep and wide.
        try await onOwnThread("corral remove \(root)") { _ in
            do { try TreeRemover.remove(path: root) } catch let error as HostFSError {
                throw AllocDirError(operation: error.operation, path: error.path, errno: error.errno, reason: error.reason)
            }
        }
    }

    /// Creates the allocation root and its missing parents (0711: traversable, not listable).
    static func makeParents(of path: String) throws(AllocDirError) {
        guard path.hasPrefix("/") else {
            throw AllocDirError(operation: "mkdir (the allocation root must be absolute)", path: path, errno: EINVAL)
        }
        var prefix = ""
        for component in path.split(separator: "/").dropLast() {
            prefix += "/" + component
            if mkdir(prefix, 0o711) != 0, errno != EEXIST { throw AllocDirError(operation: "mkdir", path: prefix, errno: errno) }
        }
    }

    static func makeDirectory(_ path: String, mode: mode_t) throws(AllocDirError) {
        if mkdir(path, mode) != 0, errno != EEXIST { throw AllocDirError(operation: "mkdir", path: path, errno: errno) }
        // Through an fd opened without following a link: a task of the allocation that swaps the
        // directory for a link meanwhile (alloc/data -> /etc) cannot make us chmod a host file.
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw AllocDirError(operation: "mkdir", path: path, errno: code == ELOOP ? ENOTDIR : code,
                                reason: code == ELOOP || code == ENOTDIR ? "exists and is not a directory" : nil)
        }
        defer { close(fd) }
        // umask narrowed mkdir's mode; the layout's modes are exact.
        guard fchmod(fd, mode) == 0 else { throw AllocDirError(operation: "chmod", path: path, errno: errno) }
    }

    static func realPath(_ path: String) throws(AllocDirError) -> String {
        guard let resolved = realpath(path, nil) else { throw AllocDirError(operation: "resolve", path: path, errno: errno) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` (a real path) is a mount point, from /proc/self/mountinfo.
    static func isMountPoint(_ path: String) throws -> Bool {
        try mountPoints(below: path).contains(path)
    }

    /// Mount points at or below `root` (from /proc/self/mountinfo; octal escapes decoded).
    package static func mountPoints(below root: String) throws -> [String] {
        try mountEntries(below: root).map(\.point)
    }

    /// A line of /proc/self/mountinfo: the mount point and its per-mount options (`rw,nosuid,…`).
    struct MountEntry {
        var point: String
        var options: Set<Substring>
    }

    /// The mounts at or below `root`, in the order of the mount table (later ones on top).
    static func mountEntries(below root: String) throws -> [MountEntry] {
        guard let file = fopen("/proc/self/mountinfo", "re") else {
            throw AllocDirError(operation: "read", path: "/proc/self/mountinfo", errno: errno)
        }
        defer { fclose(file) }
        var points: [MountEntry] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let fields = String(cString: line).split(separator: " ")
            guard fields.count > 5 else { continue }
            let point = unescape(String(fields[4]))
            if point == root || point.hasPrefix(root + "/") {
                points.append(MountEntry(point: point, options: Set(fields[5].split(separator: ","))))
            }
        }
        return points
    }

    static func unescape(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A failed file-system call while building or removing an allocation directory.
package struct AllocDirError: Error, Equatable, Sendable, CustomStringConvertible {
    package var operation: String
    package var path: String
    package var errno: Int32
    /// Said instead of the errno's text when corral refused on its own.
    package var reason: String?

    package init(operation: String, path: String, errno: Int32, reason: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.reason = reason
    }

    package var description: String { "\(operation) \(path): \(reason ?? String(cString: strerror(errno)))" }
}
