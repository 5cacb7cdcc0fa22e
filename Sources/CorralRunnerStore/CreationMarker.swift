import CorralRunner
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `state.db.created`, next to the database: written once a new database's schema is in the file
/// itself, it tells a new database from one that was emptied. SQLite takes a missing or 0-byte
/// file for a new, empty database, so without it an emptied `state.db` (a truncation, a restore
/// gone wrong) would start an agent that forgot every running task and then overwrote the file.
/// With the marker, a missing or empty database is damage, and is refused before anything is
/// written. A database made by a corral that predates the marker gets one at its next open.
enum CreationMarker {
    static func path(database: String) -> String { database + ".created" }

    /// Whether the marker exists; throws `.corrupt` when it does and the database is missing or
    /// empty. Follows no link: a marker that is not a regular file is an error.
    static func check(database: String) throws(StateStoreError) -> Bool {
        let marker = path(database: database)
        var info = stat()
        if lstat(marker, &info) != 0 {
            // No marker; a parent that is not a directory is for `prepareFile` to report.
            guard errno == ENOENT || errno == ENOTDIR else {
                throw .io(path: database, operation: "check \(marker)", reason: SQLiteStateStore.errorText(errno))
            }
            return false
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .io(path: database, operation: "check \(marker)", reason: "not a regular file")
        }
        if lstat(database, &info) != 0 {
            guard errno == ENOENT else {
                throw .io(path: database, operation: "open", reason: SQLiteStateStore.errorText(errno))
            }
            throw .corrupt(path: database, reason: "the file is missing, but \(marker) says this agent created it: "
                + "its allocations are lost while their tasks may still run")
        }
        if info.st_mode & S_IFMT == S_IFREG, info.st_size == 0 {
            throw .corrupt(path: database, reason: "the file is empty (0 bytes), but \(marker) says this agent created it: "
                + "its allocations are lost while their tasks may still run")
        }
        return true
    }

    /// Writes the marker (mode 0600) and makes it durable with its directory entry.
    static func write(database: String) throws(StateStoreError) {
        let marker = path(database: database)
        let fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST { return }
            throw .io(path: database, operation: "create \(marker)", reason: SQLiteStateStore.errorText(errno))
        }
        let text = "corral created \((database as NSString).lastPathComponent) here on \(Date()).\n"
            + "Keep this file: without it, an emptied or missing database would be taken for a new one.\n"
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = written == bytes.count && fsync(fd) == 0
        let code = errno
        close(fd)
        guard synced else {
            unlink(marker)
            throw .io(path: database, operation: "write \(marker)",
                      reason: written >= 0 && written < bytes.count ? "short write" : SQLiteStateStore.errorText(code))
        }
        try SQLiteStateStore.syncDirectory(of: database)
    }
}
