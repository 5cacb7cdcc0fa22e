#if canImport(Glibc)
import Glibc
#endif

/// Readies a unix socket path for an agent to bind: creates missing parent directories (0700),
/// checks the socket's own directory, removes a socket left by an agent that died, and refuses a
/// path a live agent answers on or that is not a socket (so a typo cannot delete a file).
///
/// The socket grants root. Its directory must be a real directory owned by the agent's user and
/// not writable by group or others (or another user could replace the socket, or one of its
/// entries, with their own); the agent binds it under umask 0177 (`AgentServer`: mode 0600), so it is never
/// reachable by others, not even between bind and a chmod.
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
