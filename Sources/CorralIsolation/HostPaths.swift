#if canImport(Glibc)
import Glibc
#endif

/// Host paths compared as the kernel would reach them: resolved through symlinks, then judged by
/// their components (`/run/corral` is not beneath `/run/cor`).
package enum HostPaths {
    /// `path` with every symlink resolved (`/var/run/corral` is `/run/corral` on Debian). A path
    /// that does not exist yet resolves its longest existing ancestor and keeps the rest as written,
    /// so that a data directory made later is still recognised. Never fails: at worst, the path
    /// normalized.
    package static func resolve(_ path: String) -> String {
        // Lexically first would be wrong (`link/..` is the link target's parent): only the part
        // that does not exist is taken as written, and the rest by the kernel's own walk.
        var head = "/" + path.split(separator: "/").joined(separator: "/")
        var tail: [Substring] = []
        while true {
            if let resolved = realpath(head, nil) {
                defer { free(resolved) }
                return normalize(String(cString: resolved) + tail.reversed().map { "/" + $0 }.joined())
            }
            guard head != "/", let slash = head.lastIndex(of: "/") else { return normalize(path) }
            tail.append(head[head.index(after: slash)...])
            head = slash == head.startIndex ? "/" : String(head[..<slash])
        }
    }

    /// `/a//b/./c/../d/` as `/a/b/d`, lexically (`..` of `/` is `/`): for paths already resolved
    /// through symlinks, or parts of them that do not exist.
    package static func normalize(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(component) }
        }
        return "/" + components.joined(separator: "/")
    }

    /// Whether `path` is `ancestor` or beneath it (both normalized).
    package static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        let path = normalize(path), ancestor = normalize(ancestor)
        return ancestor == "/" || path == ancestor || path.hasPrefix(ancestor + "/")
    }

    /// How `path` reaches `protected`: it is the directory, lies inside it, or lies above it (so a
    /// mount of it shows the directory too); nil when neither holds. Both resolved already.
    package static func overlap(_ path: String, _ protected: String) -> Overlap? {
        let path = normalize(path), protected = normalize(protected)
        if path == protected { return .same }
        if isWithin(path, protected) { return .inside }
        if isWithin(protected, path) { return .above }
        return nil
    }

    /// Whether a host mount lets set-uid bits and device nodes take effect.
    package struct MountFlags: Sendable, Equatable {
        package var nosuid: Bool
        package var nodev: Bool

        package init(nosuid: Bool, nodev: Bool) {
            self.nosuid = nosuid
            self.nodev = nodev
        }
    }

    /// The flags of the mount `path` (resolved already: no symlink is followed, the last component
    /// included) lies on, read from the opened path itself; nil when it cannot be opened.
    package static func mountFlags(_ path: String) -> MountFlags? {
        let fd = open(path, oPath | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = statvfs()
        guard fstatvfs(fd, &info) == 0 else { return nil }
        return MountFlags(nosuid: info.f_flag & stNoSUID != 0, nodev: info.f_flag & stNoDev != 0)
    }

    // Linux's values; Glibc's module leaves them out (they are GNU extensions in its headers).
    private static let oPath: Int32 = 0o10_000_000
    private static let stNoSUID: UInt = 2
    private static let stNoDev: UInt = 4

    package enum Overlap: String, Sendable {
        case same = "is", inside = "is inside", above = "contains"
    }
}
