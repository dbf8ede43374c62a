import Foundation
import XCTest
@testable import RetainStore

final class SQLiteDatabaseTests: StoreTestCase {
    func testOpenConfiguresWALForeignKeysSynchronousAndBusyTimeout() throws {
        let db = try SQLiteDatabase(path: dbPath())
        XCTAssertEqual(try db.scalar("PRAGMA journal_mode", as: String.self), "wal")
        XCTAssertEqual(try db.scalar("PRAGMA foreign_keys", as: Int.self), 1)
        XCTAssertEqual(try db.scalar("PRAGMA synchronous", as: Int.self), 1, "1 = NORMAL")
        XCTAssertEqual(try db.scalar("PRAGMA busy_timeout", as: Int.self), 10_000)

        let custom = try SQLiteDatabase(path: dbPath(), busyTimeout: 2.5)
        XCTAssertEqual(try custom.scalar("PRAGMA busy_timeout", as: Int.self), 2_500)
        let reader = try SQLiteDatabase(path: dbPath(), readOnly: true)
        XCTAssertEqual(try reader.scalar("PRAGMA journal_mode", as: String.self), "wal", "WAL persists in the file")
        XCTAssertEqual(try reader.scalar("PRAGMA foreign_keys", as: Int.self), 1)
    }

    func testEveryBindingTypeRoundTrips() throws {
        let db = try SQLiteDatabase(path: dbPath())
        try db.execute("CREATE TABLE t (a, b, c, d, e, f, g, h, i, j)")
        let none: String? = nil
        try db.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       42, Int64.min, UInt64.max, 0.1, "text", true, Data([0, 1, 255]), Data(), "", none)
        let row = try XCTUnwrap(try db.query("SELECT * FROM t").first)
        XCTAssertEqual(try row.get("a", as: Int.self), 42)
        XCTAssertEqual(try row.get("b", as: Int64.self), Int64.min)
        XCTAssertEqual(try row.get("c", as: UInt64.self), UInt64.max, "UInt64 keeps its bit pattern")
        XCTAssertEqual(try row.get("c", as: Int64.self), -1)
        XCTAssertEqual(try row.get("d", as: Double.self), 0.1)
        XCTAssertEqual(try row.get("e", as: String.self), "text")
        XCTAssertEqual(try row.get("f", as: Bool.self), true)
        XCTAssertEqual(try row.get("g", as: Data.self), Data([0, 1, 255]))
        XCTAssertEqual(try row.value("h"), .blob(Data()), "an empty blob is a blob, not NULL")
        XCTAssertEqual(try row.value("i"), .text(""), "an empty string is text, not NULL")
        XCTAssertEqual(try row.get("j", as: String?.self), nil)
        XCTAssertEqual(try row.get("e", as: String?.self), "text")
        // By index, and the raw enum binding.
        XCTAssertEqual(try row.get(at: 0, as: Int.self), 42)
        try db.execute("DELETE FROM t WHERE a = ?", SQLiteValue.integer(42))
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM t", as: Int.self), 0)
        // Array bindings and a reusable statement.
        let insert = try db.prepare("INSERT INTO t (a, e) VALUES (?, ?)")
        for i in 0..<3 { try insert.execute([i, "row \(i)"]) }
        XCTAssertEqual(try db.query("SELECT e FROM t WHERE a >= ? ORDER BY a", bindings: [1]).map { try $0.get("e", as: String.self) },
                       ["row 1", "row 2"])
        XCTAssertNil(try db.scalar("SELECT e FROM t WHERE a = ?", 99, as: String.self), "no row gives nil")
    }

    func testTypeMismatchMissingColumnAndBadIndexAreClearErrors() throws {
        let db = try SQLiteDatabase(path: dbPath())
        let sql = "SELECT 'abc' AS name, NULL AS maybe, 2 AS flag"
        let row = try XCTUnwrap(try db.query(sql).first)

        let mismatch = storeError(try row.get("name", as: Int.self))
        XCTAssertEqual(mismatch, .typeMismatch(column: "name", expected: "Int", found: "TEXT", sql: sql))
        XCTAssertTrue(mismatch!.description.contains("column \"name\" holds TEXT, expected Int"), mismatch!.description)
        XCTAssertTrue(mismatch!.description.contains(sql))
        XCTAssertEqual(storeError(try row.get("maybe", as: String.self)),
                       .typeMismatch(column: "maybe", expected: "String", found: "NULL", sql: sql))
        XCTAssertEqual(storeError(try row.get("flag", as: Bool.self)),
                       .typeMismatch(column: "flag", expected: "Bool", found: "INTEGER", sql: sql), "2 is not a Bool")
        let missing = storeError(try row.get("nope", as: String.self))
        XCTAssertEqual(missing, .missingColumn(name: "nope", available: ["name", "maybe", "flag"], sql: sql))
        XCTAssertTrue(missing!.description.contains("columns: name, maybe, flag"))
        XCTAssertEqual(storeError(try row.get(at: 3, as: Int.self)), .columnIndexOutOfRange(index: 3, count: 3, sql: sql))
    }

    func testSQLErrorsNameTheSQLThePathAndTheCode() throws {
        let db = try SQLiteDatabase(path: dbPath())
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        try db.execute("INSERT INTO t VALUES (?, ?)", 1, "x")

        let dup = try XCTUnwrap(storeError(try db.execute("INSERT INTO t VALUES (?, ?)", 1, "y")))
        guard case let .sqlite(code, message, sql, path) = dup else { return XCTFail("\(dup)") }
        XCTAssertEqual(code & 0xFF, 19)
        XCTAssertTrue(message.contains("UNIQUE constraint failed: t.id"), message)
        XCTAssertEqual(sql, "INSERT INTO t VALUES (?, ?)")
        XCTAssertEqual(path, dbPath())
        XCTAssertTrue(dup.description.contains("SQLITE_CONSTRAINT"), dup.description)
        XCTAssertTrue(dup.description.contains("INSERT INTO t VALUES (?, ?)"))
        XCTAssertTrue(dup.description.contains(dbPath()))
        XCTAssertEqual(dup.localizedDescription, dup.description)

        let syntax = try XCTUnwrap(storeError(try db.query("SELEC * FROM t")))
        XCTAssertTrue(syntax.description.contains("syntax error") && syntax.description.contains("SELEC * FROM t"), syntax.description)
        let missingTable = try XCTUnwrap(storeError(try db.query("SELECT * FROM nowhere")))
        XCTAssertTrue(missingTable.description.contains("no such table: nowhere"), missingTable.description)

        XCTAssertEqual(storeError(try db.execute("INSERT INTO t VALUES (?, ?)", 2)),
                       .bindingCount(expected: 2, got: 1, sql: "INSERT INTO t VALUES (?, ?)"))
        XCTAssertEqual(storeError(try db.execute("DELETE FROM t; DROP TABLE t")),
                       .invalidSQL(reason: "more than one SQL statement (use executeScript)", sql: "DELETE FROM t; DROP TABLE t"))
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM t", as: Int.self), 1, "the rejected script ran nothing")
        XCTAssertNoThrow(try db.execute("SELECT 1; -- trailing comment"))
        XCTAssertEqual(storeError(try db.execute("  -- nothing ")), .invalidSQL(reason: "no SQL statement", sql: "  -- nothing "))
    }

    func testHostileTextIsBoundNotExecuted() throws {
        let db = try SQLiteDatabase(path: dbPath())
        try db.execute("CREATE TABLE experiments (name TEXT)")
        let values = [
            "'); DROP TABLE experiments; --",
            "\"double\" 'single' `back` \\ ; -- /* */",
            "Ünïcödé 日本語 עברית — ≠ ∑",
            "emoji 👩‍👩‍👧‍👦 🏳️‍🌈 🇳🇿",
            "line\nbreak\ttab\r",
            "?", "?1", ":name", "",
        ]
        for v in values { try db.execute("INSERT INTO experiments (name) VALUES (?)", v) }
        XCTAssertEqual(try db.query("SELECT name FROM experiments ORDER BY rowid").map { try $0.get("name", as: String.self) }, values)
        for v in values {
            XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM experiments WHERE name = ?", v, as: Int.self), 1, v)
        }
        XCTAssertEqual(try db.scalar("SELECT length(CAST(? AS BLOB))", "👩‍👩‍👧‍👦", as: Int.self), "👩‍👩‍👧‍👦".utf8.count,
                       "bound with its exact UTF-8 byte length")
    }

    func testTransactionCommitsRollsBackAndNestsWithSavepoints() throws {
        let db = try SQLiteDatabase(path: dbPath())
        try db.execute("CREATE TABLE t (v INTEGER)")
        struct Boom: Error {}

        let result = try db.transaction { () -> Int in
            try db.execute("INSERT INTO t VALUES (1)")
            XCTAssertTrue(db.isInTransaction)
            return 7
        }
        XCTAssertEqual(result, 7)
        XCTAssertFalse(db.isInTransaction)

        XCTAssertThrowsError(try db.transaction {
            try db.execute("INSERT INTO t VALUES (2)")
            throw Boom()
        }) { XCTAssertTrue($0 is Boom, "the body's own error is rethrown") }
        XCTAssertFalse(db.isInTransaction)
        XCTAssertEqual(try db.query("SELECT v FROM t").map { try $0.get("v", as: Int.self) }, [1])

        // Nested: a caught inner failure undoes only the inner body.
        try db.transaction {
            try db.execute("INSERT INTO t VALUES (3)")
            do {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES (4)")
                    try db.transaction { try db.execute("INSERT INTO t VALUES (5)") }
                    throw Boom()
                }
            } catch is Boom {}
            try db.transaction { try db.execute("INSERT INTO t VALUES (6)") }
        }
        XCTAssertEqual(try db.query("SELECT v FROM t ORDER BY v").map { try $0.get("v", as: Int.self) }, [1, 3, 6])

        // An inner failure that propagates rolls back everything.
        XCTAssertThrowsError(try db.transaction {
            try db.execute("INSERT INTO t VALUES (8)")
            try db.transaction { try db.execute("INSERT INTO nowhere VALUES (9)") }
        })
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM t", as: Int.self), 3)
        XCTAssertFalse(db.isInTransaction)
    }

    func testReaderSeesLastCommittedStateWhileWriterHoldsATransaction() throws {
        let writer = try SQLiteDatabase(path: dbPath())
        try writer.execute("CREATE TABLE t (v TEXT)")
        try writer.execute("INSERT INTO t VALUES (?)", "committed")
        let reader = try SQLiteDatabase(path: dbPath(), readOnly: true, busyTimeout: 0)

        try writer.transaction {
            try writer.execute("INSERT INTO t VALUES (?)", "pending")
            XCTAssertEqual(try writer.scalar("SELECT COUNT(*) FROM t", as: Int.self), 2)
            // busy timeout 0: any blocking would fail at once rather than wait.
            XCTAssertEqual(try reader.query("SELECT v FROM t").map { try $0.get("v", as: String.self) }, ["committed"])
        }
        XCTAssertEqual(try reader.scalar("SELECT COUNT(*) FROM t", as: Int.self), 2, "the commit is visible afterwards")

        let readOnlyWrite = try XCTUnwrap(storeError(try reader.execute("INSERT INTO t VALUES (?)", "nope")))
        XCTAssertTrue(readOnlyWrite.description.contains("SQLITE_READONLY"), readOnlyWrite.description)
    }

    /// The same with a separate OS process as the reader (the sqlite3 CLI, when installed).
    func testSeparateProcessReadsWhileWriterHoldsATransaction() throws {
        let cli = "/usr/bin/sqlite3"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: cli), "no sqlite3 CLI")
        let writer = try SQLiteDatabase(path: dbPath())
        try writer.execute("CREATE TABLE t (v TEXT)")
        try writer.execute("INSERT INTO t VALUES (?)", "committed")
        try writer.transaction {
            try writer.execute("INSERT INTO t VALUES (?)", "pending")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: cli)
            process.arguments = ["-readonly", "-cmd", ".timeout 0", dbPath(), "SELECT group_concat(v) FROM t;"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            XCTAssertEqual(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "committed")
        }
    }

    func testSecondWriterWaitsForBusyTimeoutThenFailsClearly() throws {
        let a = try SQLiteDatabase(path: dbPath())
        try a.execute("CREATE TABLE t (v INTEGER)")
        let b = try SQLiteDatabase(path: dbPath(), busyTimeout: 0.2)
        try a.transaction {
            try a.execute("INSERT INTO t VALUES (1)")
            let start = Date()
            let busy = try XCTUnwrap(storeError(try b.execute("INSERT INTO t VALUES (2)")))
            XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.15, "waited for the busy timeout")
            XCTAssertTrue(busy.description.contains("SQLITE_BUSY") && busy.description.contains("database is locked"), busy.description)
        }
        // A writer with a longer timeout waits for the other's commit instead of failing.
        let patient = try SQLiteDatabase(path: dbPath(), busyTimeout: 5)
        let released = expectation(description: "holder committed")
        Thread.detachNewThread {
            try? a.transaction {
                try a.execute("INSERT INTO t VALUES (3)")
                Thread.sleep(forTimeInterval: 0.3)
            }
            released.fulfill()
        }
        Thread.sleep(forTimeInterval: 0.05)
        try patient.transaction { try patient.execute("INSERT INTO t VALUES (4)") }
        wait(for: [released], timeout: 5)
        XCTAssertEqual(try a.query("SELECT v FROM t ORDER BY v").map { try $0.get("v", as: Int.self) }, [1, 3, 4])
    }

    func testOneConnectionIsSafeToShareAcrossThreads() throws {
        let db = try SQLiteDatabase(path: dbPath())
        try db.execute("CREATE TABLE t (worker INTEGER, i INTEGER)")
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<25 {
                do {
                    try db.transaction {
                        let before = try db.scalar("SELECT COUNT(*) FROM t", as: Int.self) ?? 0
                        try db.execute("INSERT INTO t VALUES (?, ?)", worker, i)
                        // No other thread's insert can land inside this transaction.
                        let after = try db.scalar("SELECT COUNT(*) FROM t", as: Int.self) ?? 0
                        if after != before + 1 { failures.add("worker \(worker): \(before) -> \(after)") }
                    }
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        XCTAssertEqual(failures.all, [])
        XCTAssertEqual(try db.scalar("SELECT COUNT(*) FROM t", as: Int.self), 200)
    }
}

/// Thread-safe collector of failure messages from worker threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.lock(); messages.append(message); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
}
