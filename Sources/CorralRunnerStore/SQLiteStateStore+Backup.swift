import CorralRunner
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The backup an agent writes of its database (`state.db.bak`), and the recovery from it.
///
/// A backup is written only from a database that passes `PRAGMA integrity_check`, with
/// `VACUUM INTO` (a consistent snapshot, whatever the WAL holds) into a new 0600 file, fsynced and
/// renamed over the previous backup: a crash while writing leaves the previous backup whole.
extension SQLiteStateStore {
    /// `state.db.bak`.
    package static func backupPath(database: String) -> String { database + ".bak" }

    /// Writes `state.db.bak` from this database; returns its path. A damaged database leaves the
    /// previous backup alone (`.corrupt`).
    @discardableResult
    package func writeBackup() async throws(StateStoreError) -> String {
        let backup = Self.backupPath(database: path)
        let temporary = backup + ".new"
        let database = path
        // Ours: a leftover of a backup cut short.
        unlink(temporary)
        try Self.createEmptyPrivateFile(temporary, database: database)
        do {
            try await self.database.writeWithoutTransaction { db in
                try self.checkOpen("write backup")
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check(5)")
                guard integrity == ["ok"] else {
                    throw StateStoreError.corrupt(path: database, reason: "integrity_check: " + integrity.joined(separator: "; "))
                }
                try db.execute(sql: "VACUUM INTO ?", arguments: [temporary])
            }
            try Self.syncFile(temporary, database: database)
        } catch {
            unlink(temporary)
            throw Self.storeError(error, path: database, operation: "write backup \(backup)")
        }
        guard Glibc.rename(temporary, backup) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io(path: database, operation: "write backup \(backup)", reason: Self.errorText(code))
        }
        try Self.syncDirectory(of: database)
        return backup
    }

    /// Replaces a damaged database with its backup. The damaged file (with its `-wal` and `-shm`)
    /// is kept, renamed `state.db.damaged-<unix time>`: nothing is deleted. Refuses when the backup
    /// is missing or damaged itself, and when the database is sound (a backup is older than the
    /// database it was taken from: replacing a sound database would lose allocations). Returns
    /// the name the damaged file was given (nil when there was no file).
    package static func recoverFromBackup(database: String) throws(StateStoreError) -> String? {
        let backup = backupPath(database: database)
        var info = stat()
        guard lstat(backup, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0 else {
            throw .io(path: database, operation: "recover from backup", reason: "no backup \(backup)")
        }
        do {
            try check(path: backup)
        } catch {
            throw .io(path: database, operation: "recover from backup", reason: "the backup is unusable: \(error)")
        }
        if isSound(database) {
            throw .io(path: database, operation: "recover from backup",
                      reason: "the database is sound: nothing to recover (start the agent without --recover-from-backup)")
        }
        var movedTo: String?
        if lstat(database, &info) == 0 {
            let aside = database + ".damaged-\(Int(Date().timeIntervalSince1970))"
            for suffix in ["", "-wal", "-shm"] where lstat(database + suffix, &info) == 0 {
                guard Glibc.rename(database + suffix, aside + suffix) == 0 else {
                    throw .io(path: database, operation: "move the damaged database to \(aside + suffix)",
                              reason: errorText(errno))
                }
            }
            movedTo = aside
        }
        let temporary = database + ".restore"
        unlink(temporary)
        try createEmptyPrivateFile(temporary, database: database)
        do throws(StateStoreError) {
            try copyContents(from: backup, to: temporary)
            try syncFile(temporary, database: database)
        } catch {
            unlink(temporary)
            throw error
        }
        guard Glibc.rename(temporary, database) == 0 else {
            throw .io(path: database, operation: "restore \(backup)", reason: errorText(errno))
        }
        try syncDirectory(of: database)
        return movedTo
    }

    /// Whether the database passes every check of opening, without opening it for writing. A
    /// missing or empty database is not sound.
    static func isSound(_ database: String) -> Bool {
        do {
            _ = try CreationMarker.check(database: database)
            var info = stat()
            guard lstat(database, &info) == 0, info.st_size > 0 else { return false }
            try check(path: database)
            return true
        } catch {
            return false
        }
    }

    /// A new empty file, mode 0600, not following a link.
    static func createEmptyPrivateFile(_ path: String, database: String) throws(StateStoreError) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: database, operation: "create \(path)", reason: errorText(errno)) }
        Glibc.close(fd)
    }

    static func syncFile(_ path: String, database: String) throws(StateStoreError) {
        let fd = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: database, operation: "sync \(path)", reason: errorText(errno)) }
        defer { Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: database, operation: "sync \(path)", reason: errorText(errno)) }
    }

    /// Copies a regular file's bytes into an existing empty file (both opened without following links).
    static func copyContents(from source: String, to target: String) throws(StateStoreError) {
        let input = Glibc.open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { throw .io(path: target, operation: "read \(source)", reason: errorText(errno)) }
        defer { Glibc.close(input) }
        let output = Glibc.open(target, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        guard output >= 0 else { throw .io(path: target, operation: "write", reason: errorText(errno)) }
        defer { Glibc.close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .io(path: target, operation: "read \(source)", reason: errorText(errno)) }
            if count == 0 { return }
            var done = 0
            while done < count {
                let written = buffer.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + done, count - done) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw .io(path: target, operation: "write", reason: errorText(errno)) }
                done += written
            }
        }
    }
}
