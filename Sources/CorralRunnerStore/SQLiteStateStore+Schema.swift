import CorralRunner
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

extension SQLiteStateStore {
    /// Each migration's identifier and the `user_version` it leaves, oldest first. A new schema
    /// appends a migration `vN` that sets `PRAGMA user_version = N`, and raises `schemaVersion`.
    static let migrationVersions: [(identifier: String, version: Int)] = [("v1", 1)]

    /// The migrations, in `migrationVersions`' order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // Values are JSON text. `seq` keeps the order allocations were first stored in.
            // Task and local states have no foreign key: the runner may write a task's state
            // before (or without) its allocation; `deleteAllocation` removes them explicitly.
            try db.execute(sql: """
                CREATE TABLE allocations (
                    id TEXT PRIMARY KEY NOT NULL,
                    seq INTEGER NOT NULL UNIQUE,
                    data TEXT NOT NULL
                );
                CREATE TABLE task_states (
                    alloc_id TEXT NOT NULL,
                    task TEXT NOT NULL,
                    data TEXT NOT NULL,
                    PRIMARY KEY (alloc_id, task)
                ) WITHOUT ROWID;
                CREATE TABLE local_states (
                    alloc_id TEXT NOT NULL,
                    task TEXT NOT NULL,
                    data TEXT NOT NULL,
                    PRIMARY KEY (alloc_id, task)
                ) WITHOUT ROWID;
                PRAGMA user_version = 1;
                """)
        }
        return migrator
    }

    /// The tables the store reads and writes.
    static let tables: Set<String> = ["allocations", "task_states", "local_states"]

    /// What the read-only checks found in an existing file.
    private struct Found {
        var userVersion: Int
        var tables: Set<String>
        var applied: Set<String>
    }

    /// Refuses a damaged, foreign or newer database before anything is written. The checks run on
    /// a read-only connection of their own, closed before the store's connection opens: a
    /// read-write connection would checkpoint a WAL into the file when it closes, so a refused file
    /// would not stay byte for byte as it was.
    ///
    /// Damage is what `PRAGMA integrity_check` finds (it also compares every index with its table:
    /// a damaged index page made an allocation vanish from the ordered read, which `quick_check`
    /// does not see), and any stored value that does not decode.
    static func check(path: String) throws(StateStoreError) {
        // A read-only connection to a WAL database creates the `-wal` and `-shm` files if absent:
        // those it made are removed again when the file is refused, so a refusal leaves nothing.
        let companions = ["-wal", "-shm"].filter { access(path + $0, F_OK) != 0 }
        do throws(StateStoreError) {
            try checkContents(path: path)
        } catch {
            for suffix in companions { unlink(path + suffix) }
            throw error
        }
    }

    private static func checkContents(path: String) throws(StateStoreError) {
        let migrator = Self.migrator
        let known = Dictionary(uniqueKeysWithValues: migrationVersions.map { ($0.identifier, $0.version) })
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.journalMode = .default
        configuration.label = "corral.state.check"
        let found: Found
        do {
            let reader = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? reader.close() }
            found = try reader.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check(5)")
                guard integrity == ["ok"] else {
                    throw StateStoreError.corrupt(path: path,
                                                  reason: "integrity_check: " + integrity.joined(separator: "; "))
                }
                let found = Found(
                    userVersion: try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                    tables: try String.fetchSet(db, sql: """
                        SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                        """),
                    applied: try migrator.appliedIdentifiers(db))
                if found.tables.isSuperset(of: Self.tables) { try checkValues(db, path: path) }
                return found
            }
        } catch {
            throw storeError(error, path: path, operation: "check")
        }

        if found.userVersion > schemaVersion {
            throw .newerSchema(path: path, found: found.userVersion, supported: schemaVersion)
        }
        let unknown = found.applied.subtracting(known.keys)
        if !unknown.isEmpty {
            // Applied by a newer corral: `vN` says which version; otherwise at least the next one.
            let versions = unknown.compactMap { $0.hasPrefix("v") ? Int($0.dropFirst()) : nil }
            let newest = max(found.userVersion, versions.max() ?? 0, schemaVersion + 1)
            throw .newerSchema(path: path, found: newest, supported: schemaVersion)
        }
        if !found.tables.isEmpty, !found.tables.contains("grdb_migrations") {
            let names = found.tables.sorted().joined(separator: ", ")
            throw .corrupt(path: path, reason: "not a corral state database (tables \(names), no migration record)")
        }
        let expected = found.applied.compactMap { known[$0] }.max() ?? 0
        guard found.userVersion == expected else {
            throw .corrupt(path: path, reason: "schema version \(found.userVersion) does not match its applied "
                + "migrations (\(found.applied.sorted().joined(separator: ", ")))")
        }
    }

    /// Decodes every stored value: one that does not decode is damage, found before the agent
    /// acts on the rest (it would otherwise restore the others and write around the damage). The
    /// bytes are read as they are and must be valid UTF-8: reading them as text would repair a
    /// damaged byte sequence into replacement characters that still decode.
    private static func checkValues(_ db: Database, path: String) throws {
        let tables: [(sql: String, type: any Decodable.Type)] = [
            ("SELECT CAST(id AS BLOB) AS key, CAST(data AS BLOB) AS data FROM allocations", Allocation.self),
            ("SELECT CAST(alloc_id || '/' || task AS BLOB) AS key, CAST(data AS BLOB) AS data FROM task_states",
             CorralRunner.TaskState.self),
            ("SELECT CAST(alloc_id || '/' || task AS BLOB) AS key, CAST(data AS BLOB) AS data FROM local_states",
             LocalState.self),
        ]
        for (sql, type) in tables {
            let cursor = try Row.fetchCursor(db, sql: sql)
            while let row = try cursor.next() {
                let keyBytes = row["key"] as Data? ?? Data()
                let key = String(validating: keyBytes, as: UTF8.self) ?? "(damaged key \(keyBytes.count) bytes)"
                let data = row["data"] as Data? ?? Data()
                guard String(validating: data, as: UTF8.self) != nil else {
                    throw StateStoreError.corrupt(path: path, reason: "the stored \(type) \(key) is not UTF-8 text")
                }
                do { _ = try JSONDecoder().decode(type, from: data) } catch {
                    throw StateStoreError.corrupt(path: path, reason: "the stored \(type) \(key) does not decode: \(error)")
                }
                guard String(validating: keyBytes, as: UTF8.self) != nil else {
                    throw StateStoreError.corrupt(path: path, reason: "a stored \(type)'s key is not UTF-8 text")
                }
            }
        }
    }

    /// Switches a checked database to WAL, migrates it, and checks the result.
    static func migrate(_ database: DatabaseQueue, path: String) throws(StateStoreError) {
        precondition(migrationVersions.last?.version == schemaVersion, "schemaVersion and migrations disagree")
        let migrator = Self.migrator
        do {
            let mode = try database.writeWithoutTransaction { db in
                try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            }
            guard mode?.lowercased() == "wal" else {
                throw StateStoreError.io(path: path, operation: "set journal mode",
                                         reason: "SQLite kept journal mode \(mode ?? "unknown") instead of wal")
            }
            try migrator.migrate(database)
        } catch {
            throw storeError(error, path: path, operation: "migrate")
        }

        // The migrated schema is the one this build writes.
        let (version, tables): (Int, Set<String>)
        do {
            (version, tables) = try database.read { db in
                (try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                 try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            }
        } catch {
            throw storeError(error, path: path, operation: "check")
        }
        guard version == schemaVersion else {
            throw .corrupt(path: path, reason: "schema version is \(version) after migration, expected \(schemaVersion)")
        }
        let missing = Self.tables.subtracting(tables)
        guard missing.isEmpty else {
            throw .corrupt(path: path, reason: "missing tables \(missing.sorted().joined(separator: ", "))")
        }
    }
}
