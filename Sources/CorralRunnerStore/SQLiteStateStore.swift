import CorralRunner
import Foundation
import GRDB
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The runner's `StateStore` in one SQLite file, through GRDB (Nomad's client state DB).
///
/// **Durability.** The database runs in WAL mode with `PRAGMA synchronous = FULL`: every write is
/// one `IMMEDIATE` transaction whose commit fsyncs the WAL before the call returns, so a state
/// transition the runner has written survives a crash or a power loss. A new database file is
/// created with mode 0600 (task states and driver handles can carry secrets' environment) and its
/// directory entry is fsynced. Writes and reads run on GRDB's own serial dispatch queue through its
/// async API, so fsync never blocks Swift's cooperative pool. A cancelled task's write may be
/// refused (it then throws `.io`); a write either commits as a whole or not at all.
///
/// **Refusal to reset.** The store never deletes, truncates or recreates a database it cannot use.
/// A file that is not an SQLite database, fails `PRAGMA quick_check`, or is an SQLite database
/// that is not corral's, throws `StateStoreError.corrupt`; a database whose schema is newer than
/// ``schemaVersion`` (its `user_version`, or migrations this build does not know) throws
/// `StateStoreError.newerSchema`. Both checks run before anything is written, so the file is left
/// byte for byte as it was: its tasks may still be recovered by hand or by a newer corral, and the
/// operator decides whether to move it aside.
///
/// **Schema.** Versioned GRDB migrations (`v1`, …); each sets `PRAGMA user_version` to its number,
/// which is what an older corral reads to refuse the file. Values are JSON (sorted keys) in TEXT
/// columns, readable with the `sqlite3` shell. Allocations keep their first insertion order
/// (`seq`); task and local states are keyed by allocation and task, without a foreign key (a
/// state may be written for an allocation not stored), and `deleteAllocation` removes all three in
/// one transaction.
package final class SQLiteStateStore: StateStore {
    /// The schema version this build reads and writes (`PRAGMA user_version`).
    package static let schemaVersion = 1

    /// How long an access waits for another connection's lock before failing.
    static let busyTimeout: TimeInterval = 5

    let database: DatabaseQueue
    /// Set by `close`, before GRDB closes the connection; checked on GRDB's queue by every access,
    /// since GRDB's reads dereference a closed connection instead of throwing.
    private let closed = Mutex(false)

    /// The database file's path, as given to `init`.
    package var path: String { database.path }

    /// Opens the state database at `path`, creating it (mode 0600) if absent, and migrates it to
    /// ``schemaVersion``. The parent directory must exist. Blocks the calling thread while it opens
    /// and checks the file; throws `.corrupt` or `.newerSchema` without changing the file.
    package init(path: String) throws(StateStoreError) {
        let marked = try CreationMarker.check(database: path)
        try Self.prepareFile(path)
        try Self.check(path: path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(Self.busyTimeout)
        // The journal mode is set after the checks, by `migrate`: GRDB's `.wal` setup writes to the
        // file (and sets `synchronous = NORMAL`) before anything could refuse it.
        configuration.journalMode = .default
        configuration.label = "corral.state"
        configuration.prepareDatabase { db in
            // Per connection, touches no file: the commit of every write fsyncs the WAL.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.storeError(error, path: path, operation: "open")
        }
        try Self.migrate(database, path: path)
        if !marked {
            // The marker must never name a file whose schema is not on disk in the file itself:
            // a 0-byte database with a marker is refused.
            try checkpoint()
            try CreationMarker.write(database: path)
        }
    }

    /// Copies the WAL into the database file and empties the WAL (fsyncing both).
    func checkpoint() throws(StateStoreError) {
        do {
            let busy = try database.writeWithoutTransaction { db in
                try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
            guard busy == 0 else {
                throw StateStoreError.io(path: path, operation: "checkpoint", reason: "another connection holds the database")
            }
        } catch {
            throw Self.storeError(error, path: path, operation: "checkpoint")
        }
    }

    /// Closes the connection. Later calls throw `.io`. Optional: the connection also closes when
    /// the store is released.
    package func close() throws(StateStoreError) {
        closed.withLock { $0 = true }
        do {
            try database.close()
        } catch {
            throw Self.storeError(error, path: path, operation: "close")
        }
    }

    // MARK: - StateStore

    package func putAllocation(_ allocation: Allocation) async throws(StateStoreError) {
        let json = try Self.encode(allocation, what: "allocation \(allocation.id)")
        let id = allocation.id
        try await write("put allocation \(id)") { db in
            try db.execute(sql: """
                INSERT INTO allocations (id, seq, data)
                VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM allocations), ?)
                ON CONFLICT (id) DO UPDATE SET data = excluded.data
                """, arguments: [id, json])
        }
    }

    package func allocations() async throws(StateStoreError) -> [Allocation] {
        let rows = try await read("read allocations") { db in
            try Row.fetchAll(db, sql: "SELECT id, data FROM allocations ORDER BY seq").map { row in
                StoredValue(key: try row.decode(String.self, forColumn: "id"),
                            json: try row.decode(String.self, forColumn: "data"))
            }
        }
        var allocations: [Allocation] = []
        allocations.reserveCapacity(rows.count)
        for row in rows {
            allocations.append(try Self.decode(Allocation.self, from: row.json, what: "allocation \(row.key)"))
        }
        return allocations
    }

    package func deleteAllocation(id: String) async throws(StateStoreError) {
        try await write("delete allocation \(id)") { db in
            try db.execute(sql: "DELETE FROM task_states WHERE alloc_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM local_states WHERE alloc_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM allocations WHERE id = ?", arguments: [id])
        }
    }

    package func putTaskState(_ state: TaskState, allocID: String, task: String) async throws(StateStoreError) {
        try await putState(state, table: "task_states", kind: "task state", allocID: allocID, task: task)
    }

    package func taskState(allocID: String, task: String) async throws(StateStoreError) -> TaskState? {
        try await state(TaskState.self, table: "task_states", kind: "task state", allocID: allocID, task: task)
    }

    package func putLocalState(_ state: LocalState, allocID: String, task: String) async throws(StateStoreError) {
        try await putState(state, table: "local_states", kind: "local state", allocID: allocID, task: task)
    }

    package func localState(allocID: String, task: String) async throws(StateStoreError) -> LocalState? {
        try await state(LocalState.self, table: "local_states", kind: "local state", allocID: allocID, task: task)
    }

    // MARK: - Access

    /// A stored row: its key (for error messages) and its JSON.
    struct StoredValue: Sendable {
        var key: String
        var json: String
    }

    package func putStates(_ taskState: TaskState, _ localState: LocalState, allocID: String,
                          task: String) async throws(StateStoreError) {
        let taskJSON = try Self.encode(taskState, what: "task state of \(allocID)/\(task)")
        let localJSON = try Self.encode(localState, what: "local state of \(allocID)/\(task)")
        try await write("put task and local state \(allocID)/\(task)") { db in
            for (table, json) in [("task_states", taskJSON), ("local_states", localJSON)] {
                try db.execute(sql: """
                    INSERT INTO \(table) (alloc_id, task, data) VALUES (?, ?, ?)
                    ON CONFLICT (alloc_id, task) DO UPDATE SET data = excluded.data
                    """, arguments: [allocID, task, json])
            }
        }
    }

    /// `table` is one of the two state tables (a constant of this file, never a caller's string).
    private func putState<Value: Encodable>(_ value: Value, table: String, kind: String, allocID: String,
                                            task: String) async throws(StateStoreError) {
        let json = try Self.encode(value, what: "\(kind) of \(allocID)/\(task)")
        try await write("put \(kind) \(allocID)/\(task)") { db in
            try db.execute(sql: """
                INSERT INTO \(table) (alloc_id, task, data) VALUES (?, ?, ?)
                ON CONFLICT (alloc_id, task) DO UPDATE SET data = excluded.data
                """, arguments: [allocID, task, json])
        }
    }

    private func state<Value: Decodable>(_ type: Value.Type, table: String, kind: String, allocID: String,
                                         task: String) async throws(StateStoreError) -> Value? {
        let json = try await read("read \(kind) \(allocID)/\(task)") { db in
            try String.fetchOne(db, sql: "SELECT data FROM \(table) WHERE alloc_id = ? AND task = ?",
                                arguments: [allocID, task])
        }
        guard let json else { return nil }
        return try Self.decode(type, from: json, what: "\(kind) of \(allocID)/\(task)")
    }

    /// One `IMMEDIATE` transaction (takes the write lock up front, so the busy timeout applies),
    /// on GRDB's queue; durable when it returns.
    func write(_ operation: String, _ updates: @escaping @Sendable (Database) throws -> Void)
        async throws(StateStoreError) {
        do {
            try await database.writeWithoutTransaction { db in
                try self.checkOpen(operation)
                try db.inTransaction(.immediate) {
                    try updates(db)
                    return .commit
                }
            }
        } catch {
            throw Self.storeError(error, path: path, operation: operation)
        }
    }

    func read<T: Sendable>(_ operation: String, _ value: @escaping @Sendable (Database) throws -> T)
        async throws(StateStoreError) -> T {
        do {
            // `unsafeRead`: GRDB's `read` touches the connection before calling us. Each read is
            // one statement, consistent by itself; `readOnly` makes SQLite refuse any write.
            return try await database.unsafeRead { db in
                try self.checkOpen(operation)
                return try db.readOnly { try value(db) }
            }
        } catch {
            throw Self.storeError(error, path: path, operation: operation)
        }
    }

    func checkOpen(_ operation: String) throws(StateStoreError) {
        if closed.withLock({ $0 }) {
            throw StateStoreError.io(path: path, operation: operation, reason: "the store is closed")
        }
    }

    // MARK: - Values

    static func encode<Value: Encodable>(_ value: Value, what: String) throws(StateStoreError) -> String {
        let encoder = JSONEncoder()
        // Dates stay `deferredToDate` (a Double of seconds since 2001, printed to round-trip
        // exactly): ISO 8601 would keep milliseconds only, and a restored state would differ.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw StateStoreError.encoding(what: what, reason: String(describing: error))
        }
        guard let json = String(data: data, encoding: .utf8) else {
            throw StateStoreError.encoding(what: what, reason: "the encoder's output is not UTF-8")
        }
        return json
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from json: String, what: String)
        throws(StateStoreError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(json.utf8))
        } catch {
            throw StateStoreError.encoding(what: what, reason: String(describing: error))
        }
    }

    // MARK: - Errors

    /// GRDB's, the encoder's and the runtime's errors as the protocol's: a damaged file is
    /// `.corrupt`, everything else that fails in the database is `.io`.
    static func storeError(_ error: any Error, path: String, operation: String) -> StateStoreError {
        switch error {
        case let error as StateStoreError:
            return error
        case let error as DatabaseError:
            let reason = describe(error)
            switch error.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return .corrupt(path: path, reason: reason)
            default:
                return .io(path: path, operation: operation, reason: reason)
            }
        case let error as RowDecodingError:
            // A stored column that is not the text the store writes (NULL, say).
            return .encoding(what: "stored value (\(operation))", reason: String(describing: error))
        case is CancellationError:
            return .io(path: path, operation: operation, reason: "the task was cancelled; nothing was written")
        default:
            return .io(path: path, operation: operation, reason: String(describing: error))
        }
    }

    /// `SQLite error 26: file is not a database`, without the statement's arguments.
    static func describe(_ error: DatabaseError) -> String {
        let code = error.extendedResultCode.rawValue
        guard let message = error.message, !message.isEmpty else { return "SQLite error \(code)" }
        return "SQLite error \(code): \(message)"
    }

    // MARK: - Opening

    /// Checks the parent directory and the path, and creates the file with mode 0600 if absent (so
    /// that SQLite, which gives its `-wal` and `-shm` files the database's mode, never widens it).
    static func prepareFile(_ path: String) throws(StateStoreError) {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else {
            throw .io(path: path, operation: "open", reason: "a file path is required")
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var info = stat()
        guard stat(parent, &info) == 0 else {
            throw .io(path: path, operation: "open", reason: "parent directory \(parent): \(errorText(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw .io(path: path, operation: "open", reason: "parent \(parent) is not a directory")
        }
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw .io(path: path, operation: "open", reason: "not a regular file")
            }
            return
        }
        guard errno == ENOENT else {
            throw .io(path: path, operation: "open", reason: errorText(errno))
        }
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST { return } // Created meanwhile: SQLite opens it as it is.
            throw .io(path: path, operation: "create", reason: errorText(errno))
        }
        Glibc.close(fd)
        // The new directory entry must survive a crash with the first commit.
        try syncDirectory(of: path)
    }

    /// fsyncs the directory that holds `path`, so that an entry made or renamed in it is durable.
    static func syncDirectory(of path: String) throws(StateStoreError) {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let dir = Glibc.open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw .io(path: path, operation: "sync directory", reason: errorText(errno)) }
        defer { Glibc.close(dir) }
        guard fsync(dir) == 0 else {
            throw .io(path: path, operation: "sync directory", reason: errorText(errno))
        }
    }

    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
}
