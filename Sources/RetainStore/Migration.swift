import Foundation

/// One schema step. Versions start at 1 and increase by one; a migration never changes once it
/// has shipped (later changes are new migrations).
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    /// One or more `;`-separated statements, without bindings.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

extension SQLiteDatabase {
    /// The highest version recorded in `schema_migrations`, or 0 for a database without it.
    public func schemaVersion() throws -> Int {
        let exists = try scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                                "schema_migrations", as: Int.self) ?? 0
        guard exists > 0 else { return 0 }
        return try scalar("SELECT MAX(version) FROM schema_migrations", as: Int.self) ?? 0
    }

    /// Brings the schema up to the last of `migrations`, each in its own transaction, recording
    /// each in `schema_migrations(version, name, applied_at)`. Returns the versions it applied.
    ///
    /// Throws `schemaTooNew` when the database is ahead of `migrations`. On a read-only connection
    /// nothing is applied: an up-to-date schema passes, an older one throws `schemaOutdated`.
    @discardableResult
    public func migrate(_ migrations: [Migration]) throws -> [Int] {
        guard migrations.enumerated().allSatisfy({ $0.offset + 1 == $0.element.version }) else {
            throw StoreError.invalidData("migrations must be numbered 1, 2, 3, … without gaps (got \(migrations.map(\.version)))")
        }
        let known = migrations.count
        let current = try schemaVersion()
        if current > known { throw StoreError.schemaTooNew(path: path, found: current, supported: known) }
        if isReadOnly {
            if current < known { throw StoreError.schemaOutdated(path: path, found: current, required: known) }
            return []
        }
        if current == known { return [] }

        try execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """)
        var applied: [Int] = []
        for migration in migrations {
            let didApply: Bool = try transaction {
                // Re-read inside the write lock: another process may have migrated meanwhile.
                let now = try schemaVersion()
                if now > known { throw StoreError.schemaTooNew(path: path, found: now, supported: known) }
                guard now < migration.version else { return false }
                do {
                    try executeScript(migration.sql)
                } catch let error as StoreError {
                    throw StoreError.migrationFailed(path: path, version: migration.version, name: migration.name,
                                                     underlying: error.description)
                }
                try execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                            migration.version, migration.name, Timestamp.now())
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        return applied
    }
}

/// ISO 8601 UTC timestamps with milliseconds: sortable as text and readable in the sqlite3 CLI.
enum Timestamp {
    static func now() -> String { string(from: Date()) }

    static func string(from date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
