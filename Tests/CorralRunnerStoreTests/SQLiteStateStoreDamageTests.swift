import CorralRunner
import Foundation
import Testing
@testable import CorralRunnerStore

/// A database this agent made, then emptied or damaged, is refused and left byte for byte as it
/// was (the creation marker tells an emptied database from a new one); the backup and the
/// recovery from it.
@Suite("SQLite state store: damage, the creation marker, backups")
struct SQLiteStateStoreDamageTests {
    @Test("a new database gets its creation marker once its schema is in the file itself")
    func markerOfANewDatabase() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            let store = try SQLiteStateStore(path: path)
            #expect(FileManager.default.fileExists(atPath: path + ".created"))
            #expect(try fileMode(path + ".created") == 0o600)
            // Checkpointed before the marker: the file holds the schema even if the agent dies now.
            #expect(try fileBytes(path).count > 100)
            try await store.putAllocation(Fixtures.allocation("a1"))
            try store.close()
            let again = try SQLiteStateStore(path: path)
            #expect(try await again.allocations().map(\.id) == ["a1"])
            try again.close()
        }
    }

    @Test("a database made before the marker existed gets one, and keeps its allocations")
    func markerOfAnOlderDatabase() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            try await fillStateDatabase(path, allocations: 3)
            try FileManager.default.removeItem(atPath: path + ".created")
            let store = try SQLiteStateStore(path: path)
            #expect(try await store.allocations().count == 3)
            #expect(FileManager.default.fileExists(atPath: path + ".created"))
            try store.close()
        }
    }

    @Test("an emptied database (0 bytes, with its marker) is refused and stays empty")
    func emptied() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            try await fillStateDatabase(path, allocations: 3)
            try Data().write(to: URL(fileURLWithPath: path))
            let reason = try expectRefused(path, unchanged: Data())
            #expect(reason.contains("empty"))
            #expect(reason.contains(path + ".created"))
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        }
    }

    @Test("a missing database with its marker is refused and not created")
    func missing() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            try await fillStateDatabase(path, allocations: 1)
            try FileManager.default.removeItem(atPath: path)
            guard case let .corrupt(errorPath, reason) = openError(path) else {
                Issue.record("expected .corrupt")
                return
            }
            #expect(errorPath == path)
            #expect(reason.contains("missing"))
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test("truncations at every page boundary are refused and left as they were")
    func truncations() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            try await fillStateDatabase(path, allocations: 30)
            let full = try fileBytes(path)
            let pageSize = Int(full[16]) << 8 | Int(full[17])
            for pages in [1, 2, full.count / pageSize / 2, full.count / pageSize - 1] {
                let cut = Data(full.prefix(pages * pageSize))
                try cut.write(to: URL(fileURLWithPath: path))
                try expectRefused(path, unchanged: cut)
            }
            // Not at a boundary either.
            let odd = Data(full.prefix(full.count - 100))
            try odd.write(to: URL(fileURLWithPath: path))
            try expectRefused(path, unchanged: odd)
        }
    }

    /// The fault that dropped a running allocation: 64 bytes flipped at the end of a page. Whatever
    /// page it hits, the database is refused unchanged, or (the bytes were unused) opens with every
    /// allocation and task state exactly as stored.
    @Test("64 flipped bytes in any page: refused unchanged, or nothing was lost")
    func flippedPages() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            let expected = try await fillStateDatabase(path, allocations: 30)
            let good = try fileBytes(path)
            let pageSize = Int(good[16]) << 8 | Int(good[17])
            let pages = good.count / pageSize
            #expect(pages >= 8)
            var refused = 0
            for page in 0..<pages {
                for offset in [pageSize - 64, pageSize / 2] {
                    var bytes = good
                    for index in (page * pageSize + offset)..<(page * pageSize + offset + 64) { bytes[index] ^= 0xFF }
                    try bytes.write(to: URL(fileURLWithPath: path))
                    do {
                        let store = try SQLiteStateStore(path: path)
                        let found = try await store.allocations()
                        #expect(found == expected, "page \(page) offset \(offset): opened with other allocations")
                        for allocation in expected {
                            #expect(try await store.taskState(allocID: allocation.id, task: "server") == storedTaskState,
                                    "page \(page) offset \(offset): task state of \(allocation.id)")
                        }
                        try store.close()
                    } catch {
                        guard case .corrupt = error as? StateStoreError else {
                            Issue.record("page \(page) offset \(offset): \(error)")
                            continue
                        }
                        refused += 1
                        #expect(try fileBytes(path) == bytes, "page \(page) offset \(offset): the file was changed")
                    }
                    try? FileManager.default.removeItem(atPath: path + "-wal")
                    try? FileManager.default.removeItem(atPath: path + "-shm")
                }
            }
            #expect(refused >= pages)
        }
    }

    @Test("garbage in place of the database is refused and left as it was")
    func garbage() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            try await fillStateDatabase(path, allocations: 1)
            var generator = SystemRandomNumberGenerator()
            let bytes = Data((0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try bytes.write(to: URL(fileURLWithPath: path))
            try expectRefused(path, unchanged: bytes)
        }
    }

    @Test("a backup is a private, verified copy that opens with the same allocations")
    func backup() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            let expected = try await fillStateDatabase(path, allocations: 5)
            let store = try SQLiteStateStore(path: path)
            // A write still in the WAL is in the backup.
            try await store.putAllocation(Fixtures.allocation("late"))
            let backup = try await store.writeBackup()
            #expect(backup == path + ".bak")
            #expect(try fileMode(backup) == 0o600)
            #expect(!FileManager.default.fileExists(atPath: backup + ".new"))
            try store.close()
            let copy = try SQLiteStateStore(path: dir + "/copy.db")
            try copy.close()
            try FileManager.default.removeItem(atPath: dir + "/copy.db")
            try FileManager.default.copyItem(atPath: backup, toPath: dir + "/copy.db")
            let reopened = try SQLiteStateStore(path: dir + "/copy.db")
            #expect(try await reopened.allocations() == expected + [Fixtures.allocation("late")])
            try reopened.close()
        }
    }

    @Test("recovery from the backup keeps the damaged file and restores the backup's allocations")
    func recovery() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            let expected = try await fillStateDatabase(path, allocations: 4)
            let store = try SQLiteStateStore(path: path)
            try await store.writeBackup()
            try store.close()

            // A sound database is not replaced.
            #expect(throws: StateStoreError.self) { try SQLiteStateStore.recoverFromBackup(database: path) }
            let sound = try SQLiteStateStore(path: path)
            #expect(try await sound.allocations() == expected)
            try sound.close()

            try Data().write(to: URL(fileURLWithPath: path))
            _ = try expectRefused(path, unchanged: Data())
            let aside = try #require(try SQLiteStateStore.recoverFromBackup(database: path))
            #expect(aside.hasPrefix(path + ".damaged-"))
            #expect(try fileBytes(aside).isEmpty)
            #expect(try fileMode(path) == 0o600)
            let recovered = try SQLiteStateStore(path: path)
            #expect(try await recovered.allocations() == expected)
            try recovered.close()
        }
    }

    @Test("recovery refuses a missing or damaged backup and changes nothing")
    func recoveryWithoutAGoodBackup() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.db"
            try await fillStateDatabase(path, allocations: 1)
            try Data().write(to: URL(fileURLWithPath: path))
            #expect(throws: StateStoreError.self) { try SQLiteStateStore.recoverFromBackup(database: path) }
            let garbage = Data(repeating: 0x5A, count: 8192)
            try garbage.write(to: URL(fileURLWithPath: path + ".bak"))
            #expect(throws: StateStoreError.self) { try SQLiteStateStore.recoverFromBackup(database: path) }
            #expect(try fileBytes(path).isEmpty)
            #expect(try fileBytes(path + ".bak") == garbage)
            let entries = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(!entries.contains { $0.contains("damaged") })
        }
    }
}

/// The task state `fillStateDatabase` stores for every allocation.
let storedTaskState = Fixtures.taskState()

/// Stores `allocations` allocations, each with `storedTaskState`, and closes (checkpointing the
/// WAL); returns the allocations in their stored order.
@discardableResult
func fillStateDatabase(_ path: String, allocations count: Int) async throws -> [Allocation] {
    let store = try SQLiteStateStore(path: path)
    var stored: [Allocation] = []
    for index in 0..<count {
        let allocation = Fixtures.allocation("alloc-\(index)", index: index)
        try await store.putAllocation(allocation)
        try await store.putTaskState(storedTaskState, allocID: allocation.id, task: "server")
        stored.append(allocation)
    }
    try store.close()
    return stored
}

/// Expects opening `path` to throw `.corrupt` naming it, twice, and the file to be unchanged.
@discardableResult
func expectRefused(_ path: String, unchanged bytes: Data,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    var reason = ""
    for _ in 0..<2 {
        guard case let .corrupt(errorPath, why) = openError(path, sourceLocation: sourceLocation) else {
            Issue.record("expected .corrupt", sourceLocation: sourceLocation)
            return reason
        }
        #expect(errorPath == path, sourceLocation: sourceLocation)
        #expect(try fileBytes(path) == bytes, "the file was changed", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "a -wal was left", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"), "a -shm was left", sourceLocation: sourceLocation)
        reason = why
    }
    return reason
}
