#if canImport(Glibc)
import Glibc
#endif
import CCorralHost

/// Reads a small text file of a task's root (an image's `/etc/passwd`, `/etc/group`) as the task
/// would see it: resolved as if `root` were `/` (openat2 `RESOLVE_IN_ROOT`: the image's own
/// absolute links stay inside it, `..` cannot climb out, magic links are refused), opened without
/// blocking, refused unless it is a regular file, and bounded.
package enum ImageFile {
    /// What an account database may hold at most: far above any real one, far below what would
    /// hurt the agent.
    package static let defaultLimit = 4 << 20

    /// The text of `path` inside `root`, or nil when it does not exist; throws when it is not a
    /// regular file, cannot be reached inside the root, or holds more than `limit` bytes.
    package static func readText(_ path: String, inRoot root: String, limit: Int = defaultLimit) throws(HostFSError) -> String? {
        let rootFD = open(root, corral_o_path() | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw HostFSError(operation: "open root", path: root, errno: errno) }
        defer { close(rootFD) }
        let shown = (root.hasSuffix("/") ? String(root.dropLast()) : root) + path
        let fd = corral_openat2(rootFD, path, O_RDONLY | O_NONBLOCK, Int32(CORRAL_IN_ROOT))
        guard fd >= 0 else {
            let code: Int32 = 0 - fd
            if code == ENOENT { return nil }
            throw HostFSError(operation: "open", path: shown, errno: code)
        }
        let file = try HostFile(adopting: fd, path: shown)
        return String(decoding: try file.readAll(limit: limit), as: UTF8.self)
    }
}
