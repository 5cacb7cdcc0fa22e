import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Readies a unix socket path for an agent to bind: creates missing parent directories (0700),
/// checks the socket's own directory, removes a socket left by an agent that died, and refuses a
/// path a live agent answers on or that is not a socket (so a typo cannot delete a file).
///
/// The socket grants root. Its directory must be a real directory owned by the agent's user and
/// not writable by group or others (or another user could replace the socket, or one of its
/// entries, with their own); the agent binds it in a private staging directory and renames it into
/// place once it is 0600 (`staging`, `publish`), so it is never reachable by others.
enum UnixSocketPath {
    static func prepare(_ path: String) throws(AgentServerError) {
        var directory = ""
        for component in path.split(separator: "/").dropLast() {
            directory += "/" + component
            if mkdir(directory, 0o700) != 0, errno != EEXIST {
                throw .socketPath(path: path, operation: "mkdir \(directory)", errno: errno)
            }
        }
        try checkDirectory(directory.isEmpty ? "/" : directory, of: path)
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .socketPath(path: path, operation: "stat", errno: errno)
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .socketPath(path: path, operation: "not a socket", errno: EEXIST) }
        if answers(path) { throw .socketInUse(path: path) }
        if unlink(path) != 0 { throw .socketPath(path: path, operation: "remove the stale socket", errno: errno) }
    }

    /// Where the socket is bound before it is published: `socket` inside `directory`, a fresh 0700
    /// directory beside the final path (the same file system, so the rename is atomic).
    struct Staging: Sendable {
        let directory: String
        let socket: String
    }

    static func staging(for path: String) throws(AgentServerError) -> Staging {
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        let directory = "/" + parent + (parent.isEmpty ? "" : "/") + ".corral-bind-\(getpid())"
        // Staging directories left by agents that died before publishing (this pid's included): the
        // socket's directory is the agent's own (checked above), so what is in it is ours to remove.
        let parentPath = "/" + parent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parentPath)) ?? []
        where name.hasPrefix(".corral-bind-") {
            let owner = Int32(name.dropFirst(".corral-bind-".count)) ?? 0
            guard owner == getpid() || owner <= 0 || kill(owner, 0) != 0 else { continue }
            let stale = parentPath + (parent.isEmpty ? "" : "/") + name
            unlink(stale + "/s")
            rmdir(stale)
        }
        guard mkdir(directory, 0o700) == 0 else {
            throw .socketPath(path: path, operation: "mkdir \(directory)", errno: errno)
        }
        return Staging(directory: directory, socket: directory + "/s")
    }

    /// Makes the bound socket 0600 and renames it to `path` (atomic), then removes the staging directory.
    static func publish(_ staging: Staging, at path: String) throws(AgentServerError) {
        guard chmod(staging.socket, 0o600) == 0 else {
            throw .socketPath(path: path, operation: "chmod \(staging.socket)", errno: errno)
        }
        guard rename(staging.socket, path) == 0 else {
            throw .socketPath(path: path, operation: "rename \(staging.socket)", errno: errno)
        }
        rmdir(staging.directory)
    }

    /// `directory` (the socket's) is a directory, not a symlink, owned by this process's user and
    /// writable by it alone.
    static func checkDirectory(_ directory: String, of path: String) throws(AgentServerError) {
        var info = stat()
        guard lstat(directory, &info) == 0 else { throw .socketPath(path: path, operation: "stat \(directory)", errno: errno) }
        let problem: String? = if info.st_mode & S_IFMT != S_IFDIR {
            "is not a directory (a symlink is not followed)"
        } else if info.st_uid != geteuid() {
            "is owned by uid \(info.st_uid), not by the agent's user (\(geteuid()))"
        } else if info.st_mode & 0o022 != 0 {
            "is writable by " + (info.st_mode & 0o020 != 0 ? "its group" : "others") + " (mode "
                + String(info.st_mode & 0o7777, radix: 8) + ")"
        } else {
            nil
        }
        if let problem { throw .unsafeSocketDirectory(path: path, directory: directory, reason: problem) }
    }

    /// Whether something accepts connections on the socket.
    static func answers(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}
