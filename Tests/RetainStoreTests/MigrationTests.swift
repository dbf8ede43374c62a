import Foundation
import XCTest
@testable import RetainStore

final class MigrationTests: StoreTestCase {
    private func migrationRows(_ db: SQLiteDatabase) throws -> [[SQLiteValue]] {
        try db.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").map(\.values)
    }

    func testSchemaIsAppliedOnceAndReopeningDoesNotReapply() throws {
        let first = try ExperimentStore(path: dbPath())
        let rows = try migrationRows(first.database)
        XCTAssertEqual(rows.count, Schema.version)
        XCTAssertEqual(rows.first?[0], .integer(1))
        XCTAssertEqual(rows.first?[1], .text("initial schema"))
        guard case .text(let appliedAt)? = rows.first?[2] else { return XCTFail("applied_at is text") }
        XCTAssertTrue(appliedAt.hasPrefix("20") && appliedAt.hasSuffix("Z"), appliedAt)
        try first.upsertExperiment(name: "e", specHash: "h", specText: "t")

        let reopened = try ExperimentStore(path: dbPath())
        XCTAssertEqual(try migrationRows(reopened.database), rows, "nothing re-applied, applied_at unchanged")
        XCTAssertEqual(try reopened.database.migrate(Schema.migrations), [])
        XCTAssertNotNil(try reopened.experiment(named: "e"), "data survives reopening")
        for table in ["experiments", "stage_runs", "predictions", "arm_results", "examples"] {
            XCTAssertEqual(try reopened.database.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = ?", table, as: Int.self), 1, table)
        }
        XCTAssertEqual(try reopened.database.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'view' AND name = 'summary'", as: Int.self), 1)
    }

    func testOnlyPendingMigrationsRunInOrderEachInItsOwnTransaction() throws {
        let db = try SQLiteDatabase(path: dbPath())
        let m1 = Migration(version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);")
        let m2 = Migration(version: 2, name: "two", sql: "CREATE TABLE b (y INTEGER);")
        let bad = Migration(version: 3, name: "three", sql: "CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);")
        XCTAssertEqual(try db.migrate([m1]), [1])
        XCTAssertEqual(try db.migrate([m1, m2]), [2])
        XCTAssertEqual(try db.schemaVersion(), 2)
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM a", as: Int.self), 1, "migration 1 did not run twice")

        let error = try XCTUnwrap(storeError(try db.migrate([m1, m2, bad])))
        guard case let .migrationFailed(path, version, name, underlying) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(path, dbPath())
        XCTAssertEqual(version, 3)
        XCTAssertEqual(name, "three")
        XCTAssertTrue(underlying.contains("no such table: nowhere"), underlying)
        XCTAssertTrue(error.description.hasPrefix("migration 3 (three) failed on \(dbPath())"), error.description)
        XCTAssertEqual(try db.schemaVersion(), 2)
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'", as: Int.self), 0,
                       "the failed migration's first statement was rolled back")
        XCTAssertFalse(db.isInTransaction)

        XCTAssertEqual(storeError(try db.migrate([m2])),
                       .invalidData("migrations must be numbered 1, 2, 3, … without gaps (got [2])"))
    }

    func testDatabaseFromANewerRetainGivesTheClearError() throws {
        do {
            let store = try ExperimentStore(path: dbPath())
            try store.database.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                                       99, "from the future", "2099-01-01T00:00:00.000Z")
        }
        let error = try XCTUnwrap(storeError(try ExperimentStore(path: dbPath())))
        XCTAssertEqual(error, .schemaTooNew(path: dbPath(), found: 99, supported: Schema.version))
        XCTAssertEqual(error.description,
                       "database schema version 99 is newer than this retain (\(Schema.version)); upgrade retain (database: \(dbPath()))")
        XCTAssertEqual(storeError(try ExperimentStore(readOnlyPath: dbPath())),
                       .schemaTooNew(path: dbPath(), found: 99, supported: Schema.version))
    }

    func testReadOnlyOpenOfAMissingFileErrorsClearlyAndCreatesNothing() throws {
        let missing = dbPath("missing.sqlite")
        let error = try XCTUnwrap(storeError(try ExperimentStore(readOnlyPath: missing)))
        XCTAssertEqual(error, .databaseNotFound(path: missing))
        XCTAssertTrue(error.description.contains(missing))
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))

        let badDir = directory.appendingPathComponent("no/such/dir/x.sqlite").path
        let openError = try XCTUnwrap(storeError(try ExperimentStore(path: badDir)))
        guard case .openFailed(let path, _, _) = openError else { return XCTFail("\(openError)") }
        XCTAssertEqual(path, badDir)
        XCTAssertTrue(openError.description.contains("cannot open database \(badDir)"), openError.description)
    }

    func testReadOnlyOpenNeverMigrates() throws {
        _ = try SQLiteDatabase(path: dbPath())  // an empty database, schema version 0
        let error = try XCTUnwrap(storeError(try ExperimentStore(readOnlyPath: dbPath())))
        XCTAssertEqual(error, .schemaOutdated(path: dbPath(), found: 0, required: Schema.version))
        XCTAssertTrue(error.description.contains("read-only open cannot migrate"), error.description)
        let check = try SQLiteDatabase(path: dbPath(), readOnly: true)
        XCTAssertEqual(try check.scalar("SELECT COUNT(*) FROM sqlite_master", as: Int.self), 0, "nothing was created")

        _ = try ExperimentStore(path: dbPath())
        let reader = try ExperimentStore(readOnlyPath: dbPath())
        XCTAssertEqual(try reader.database.schemaVersion(), Schema.version)
        XCTAssertThrowsError(try reader.upsertExperiment(name: "x", specHash: "h", specText: "t"))
    }

    func testNotADatabaseFileIsAClearError() throws {
        try Data("definitely not sqlite, but long enough to look like a header....................".utf8)
            .write(to: URL(fileURLWithPath: dbPath()))
        let error = try XCTUnwrap(storeError(try ExperimentStore(path: dbPath())))
        XCTAssertTrue(error.description.contains("SQLITE_NOTADB") || error.description.contains("not a database"), error.description)
        XCTAssertTrue(error.description.contains(dbPath()), error.description)
    }
}
