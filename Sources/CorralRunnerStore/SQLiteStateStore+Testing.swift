import CorralRunner
import GRDB

// Internal: for the tests (`@testable import`), which do not link GRDB themselves.
extension SQLiteStateStore {
    /// The store's own connection's value of `PRAGMA <name>` (`synchronous` is per connection).
    func pragmaForTesting(_ name: String) async throws(StateStoreError) -> String? {
        try await read("read pragma \(name)") { db in
            try String.fetchOne(db, sql: "PRAGMA \(name)")
        }
    }

    /// Runs raw SQL in a write transaction (to simulate a newer corral's database).
    func executeForTesting(_ sql: String) async throws(StateStoreError) {
        try await write("execute") { db in try db.execute(sql: sql) }
    }
}
