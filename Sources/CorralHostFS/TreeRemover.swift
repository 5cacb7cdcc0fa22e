#if canImport(Glibc)
import Glibc
#endif
import CCorralHost

/// Removes a directory tree a task has written, whatever it planted there: iteratively (a tree
/// 100,000 levels deep needs no stack and one directory fd at a time), through directory fds
/// (`openat2` without following any link, `unlinkat`), never crossing a mount point (an error:
/// the caller unmounts first), and taking back directories the task made unreadable or
/// unwritable (mode 000) by giving them mode 0700 first.
///
/// Going back up is done by opening `..` and checking that it is the directory we came from (its
/// device and inode): a tree moved while it is being removed stops the removal with an error
/// instead of removing something else.
package enum TreeRemover {
    /// Removes `name` in `parent` (a file or a whole tree); nothing to do when it does not exist.
    package static func remove(_ name: String, in parent: HostDirectory) throws(HostFSError) {
        let shown = parent.path + "/" + name
        var info = stat()
        guard fstatat(parent.fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw HostFSError(operation: "stat", path: shown, errno: errno)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            guard unlinkat(parent.fd, name, 0) == 0 || errno == ENOENT else {
                throw HostFSError(operation: "unlink", path: shown, errno: errno)
            }
            return
        }
        // The top may be a mount point (an allocation directory's own bind mount): allowed here only.
        var walk = try Walk(top: openDirectory(parent.fd, Array(name.utf8CString), shown, crossMount: true), path: shown)
        try walk.run()
        guard unlinkat(parent.fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
            throw HostFSError(operation: "rmdir", path: shown, errno: errno)
        }
    }

    /// Removes the tree at an absolute `path` whose parent directory corral owns.
    package static func remove(path: String) throws(HostFSError) {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), path.index(after: slash) < path.endIndex else {
            throw HostFSError(operation: "remove", path: path, errno: EINVAL, reason: "not an absolute path to a file")
        }
        let parentPath = slash == path.startIndex ? "/" : String(path[..<slash])
        let parent: HostDirectory
        do { parent = try HostDirectory.open(trusted: parentPath) } catch where error.isMissing { return }
        try remove(String(path[path.index(after: slash)...]), in: parent)
    }

    /// How many names are read from a directory before they are removed and it is read again: a
    /// directory of millions of files does not become an array of millions of names.
    static let batchSize = 1024

    /// The descent: the open directory and the names (with identities) that lead to it from the top.
    private struct Walk {
        var current: Int32
        /// From the top (excluded) down to `current`: each directory's name in its parent and identity.
        var trail: [(name: EntryName, identity: FileIdentity)] = []
        var topIdentity: FileIdentity
        let path: String

        init(top: Int32, path: String) throws(HostFSError) {
            current = top
            self.path = path
            do { topIdentity = try TreeRemover.identity(top, path) } catch {
                close(top)
                throw error
            }
        }

        var shownPath: String { ([path] + trail.map(\.name.text)).joined(separator: "/") }

        mutating func run() throws(HostFSError) {
            defer { close(current) }
            while true {
                let names = try TreeRemover.readNames(current, shownPath, limit: TreeRemover.batchSize)
                if names.isEmpty {
                    guard let (name, _) = trail.popLast() else { return }  // the top is empty: done
                    try ascend(removing: name)
                    continue
                }
                for name in names {
                    if let child = try removeOrOpen(name) {
                        trail.append((name, try TreeRemover.identity(child, shownPath + "/" + name.text)))
                        close(current)
                        current = child
                        break
                    }
                }
            }
        }

        /// Unlinks a non-directory; opens a directory to descend into (nil when it was a file).
        private mutating func removeOrOpen(_ entry: EntryName) throws(HostFSError) -> Int32? {
            // Built only for an error: the trail of a deep tree is long.
            func shown() -> String { shownPath + "/" + entry.text }
            let name = entry.bytes
            var info = stat()
            // A directory the task made unsearchable (mode 0400): taken back once.
            guard fstatat(current, name, &info, AT_SYMLINK_NOFOLLOW) == 0
                    || (errno == EACCES && fchmod(current, 0o700) == 0 && fstatat(current, name, &info, AT_SYMLINK_NOFOLLOW) == 0) else {
                if errno == ENOENT { return nil }
                throw HostFSError(operation: "stat", path: shown(), errno: errno)
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                return try TreeRemover.openDirectory(current, name, shown(), crossMount: false)
            }
            if unlinkat(current, name, 0) == 0 || errno == ENOENT { return nil }
            // A directory the task made unwritable: take it back once.
            guard errno == EACCES || errno == EPERM, fchmod(current, 0o700) == 0,
                  unlinkat(current, name, 0) == 0 || errno == ENOENT else {
                throw HostFSError(operation: "unlink", path: shown(), errno: errno)
            }
            return nil
        }

        /// Goes up from the emptied `current` to its parent (checked to be the one we came down
        /// from) and removes `name`, the directory we were in.
        private mutating func ascend(removing entry: EntryName) throws(HostFSError) {
            func shown() -> String { shownPath }
            let name = entry.bytes
            let parent = openat(current, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard parent >= 0 else { throw HostFSError(operation: "open", path: shown() + "/" + entry.text + "/..", errno: errno) }
            let expected = trail.last?.identity ?? topIdentity
            guard (try? TreeRemover.identity(parent, shown())) == expected else {
                close(parent)
                throw HostFSError(operation: "remove", path: shown() + "/" + entry.text, errno: EXDEV,
                                  reason: "the tree was moved while it was being removed")
            }
            close(current)
            current = parent
            if unlinkat(current, name, AT_REMOVEDIR) == 0 || errno == ENOENT { return }
            if errno == ENOTEMPTY { return }  // something appeared meanwhile: read it again
            guard errno == EACCES || errno == EPERM, fchmod(current, 0o700) == 0,
                  unlinkat(current, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
                throw HostFSError(operation: "rmdir", path: shown() + "/" + entry.text, errno: errno)
            }
        }
    }

    /// A directory entry's name as the kernel gave it (NUL-terminated bytes: a task may write names
    /// that are not UTF-8, and a name decoded and re-encoded would be another name).
    struct EntryName {
        var bytes: [CChar]
        var text: String { String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// Opens the directory `name` in `dirfd` without following links (nor crossing a mount point
    /// unless `crossMount`); a directory with no permission for us gets mode 0700 and one more try.
    static func openDirectory(_ dirfd: Int32, _ name: [CChar], _ shown: @autoclosure () -> String,
                              crossMount: Bool) throws(HostFSError) -> Int32 {
        for attempt in 0..<2 {
            let fd = crossMount
                ? openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                : corral_openat2(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, Int32(CORRAL_BENEATH))
            if fd >= 0 { return fd }
            let code: Int32 = crossMount ? errno : 0 - fd
            guard attempt == 0, code == EACCES, chmodDirectoryNoFollow(dirfd, name, 0o700) else {
                throw HostFSError(operation: "open directory", path: shown(), errno: code,
                                  reason: code == EXDEV ? "a mount point: unmount it first" : nil)
            }
        }
        throw HostFSError(operation: "open directory", path: shown(), errno: EACCES)
    }

    /// chmod of the directory `name` in `dirfd`, never through a link: fchmodat follows one (a task
    /// could swap the directory for a link to a host directory between our open and the chmod), so
    /// the directory is opened O_PATH|O_NOFOLLOW, checked to be one, and changed through that fd.
    static func chmodDirectoryNoFollow(_ dirfd: Int32, _ name: [CChar], _ mode: mode_t) -> Bool {
        let fd = openat(dirfd, name, corral_o_path() | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return fchmodat(AT_FDCWD, "/proc/self/fd/\(fd)", mode, 0) == 0
    }

    static func identity(_ fd: Int32, _ shown: @autoclosure () -> String) throws(HostFSError) -> FileIdentity {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw HostFSError(operation: "stat", path: shown(), errno: errno) }
        return FileIdentity(info)
    }

    /// Up to `limit` names in the directory `fd` (without `.` and `..`), read through a fresh open
    /// file description so that each call starts from the beginning.
    static func readNames(_ fd: Int32, _ shown: @autoclosure () -> String, limit: Int) throws(HostFSError) -> [EntryName] {
        let own = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard own >= 0 else { throw HostFSError(operation: "open directory", path: shown(), errno: errno) }
        guard let dir = fdopendir(own) else {
            let code = errno
            close(own)
            throw HostFSError(operation: "read directory", path: shown(), errno: code)
        }
        defer { closedir(dir) }
        var names: [EntryName] = []
        while names.count < limit, let entry = readdir(dir) {
            let name: [CChar] = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.prefix { $0 != 0 }.map { CChar(bitPattern: $0) } + [0]
            }
            if name != [46, 0] && name != [46, 46, 0] { names.append(EntryName(bytes: name)) }
        }
        return names
    }
}
