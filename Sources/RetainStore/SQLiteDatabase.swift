import CSQLite
import Foundation

/// One SQLite connection.
///
/// Opened with `SQLITE_OPEN_FULLMUTEX`, and every operation (and a whole `transaction` body) runs
/// under a recursive lock, so a connection may be shared between threads: a transaction started
/// on one thread is never interleaved with statements from another. Separate processes (or
/// separate connections) coordinate through SQLite's own locking: WAL lets readers proceed while
/// one writer holds a transaction, and writers wait up to `busyTimeout` for each other.
///
/// All values go through `?` bindings; SQL text is never built from values.
public final class SQLiteDatabase: @unchecked Sendable {
    /// The file this connection opened.
    public let path: String
    /// Whether the connection was opened read-only (no writes, no migrations, no WAL switch).
    public let isReadOnly: Bool
    let handle: OpaquePointer
    private let lock = NSRecursiveLock()
    private var transactionDepth = 0

    /// Opens (and, unless `readOnly`, creates) the database at `path`.
    ///
    /// Read-write connections switch the file to WAL with `synchronous = NORMAL` (durable at each
    /// checkpoint, never corrupt; a power cut may lose only the last commits). Every connection
    /// enforces foreign keys and waits up to `busyTimeout` seconds for another writer's lock.
    public init(path: String, readOnly: Bool = false, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        self.isReadOnly = readOnly
        if readOnly && !FileManager.default.fileExists(atPath: path) {
            throw StoreError.databaseNotFound(path: path)
        }
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_FULLMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError.openFailed(path: path, code: rc, message: message)
        }
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(clamping: Int((max(0, busyTimeout) * 1000).rounded())))
        try execute("PRAGMA foreign_keys = ON")
        if !readOnly {
            let mode = try scalar("PRAGMA journal_mode = WAL", as: String.self)
            // In-memory databases report "memory" and cannot use WAL; anything else is a failure.
            if mode?.lowercased() != "wal" && path != ":memory:" && !path.isEmpty {
                throw StoreError.openFailed(path: path, code: SQLITE_ERROR, message: "could not switch to WAL (journal_mode is \(mode ?? "unknown"))")
            }
            try execute("PRAGMA synchronous = NORMAL")
        }
    }

    deinit { sqlite3_close_v2(handle) }

    // MARK: Statements

    /// Compiles exactly one SQL statement for repeated use.
    public func prepare(_ sql: String) throws -> Statement {
        try locked {
            // The tail pointer is only valid while the C string is, so check it inside.
            try sql.withCString { cSQL in
                var stmt: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(handle, cSQL, -1, &stmt, &tail)
                guard rc == SQLITE_OK else { throw error(code: rc, sql: sql) }
                guard let stmt else { throw StoreError.invalidSQL(reason: "no SQL statement", sql: sql) }
                let statement = Statement(database: self, handle: stmt, sql: sql)
                // Reject a second statement rather than silently ignoring it (comments and
                // whitespace compile to no statement).
                if let tail, tail.pointee != 0 {
                    var extra: OpaquePointer?
                    let rc2 = sqlite3_prepare_v2(handle, tail, -1, &extra, nil)
                    sqlite3_finalize(extra)
                    if rc2 != SQLITE_OK || extra != nil {
                        throw StoreError.invalidSQL(reason: "more than one SQL statement (use executeScript)", sql: sql)
                    }
                }
                return statement
            }
        }
    }

    /// Runs one statement and returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ bindings: any SQLiteValueConvertible...) throws -> Int {
        try execute(sql, bindings: bindings)
    }

    /// Runs one statement with an array of bindings.
    @discardableResult
    public func execute(_ sql: String, bindings: [any SQLiteValueConvertible]) throws -> Int {
        try locked { try prepare(sql).execute(bindings) }
    }

    /// Runs one statement and returns its rows.
    public func query(_ sql: String, _ bindings: any SQLiteValueConvertible...) throws -> [Row] {
        try query(sql, bindings: bindings)
    }

    /// Runs one statement with an array of bindings and returns its rows.
    public func query(_ sql: String, bindings: [any SQLiteValueConvertible]) throws -> [Row] {
        try locked { try prepare(sql).query(bindings) }
    }

    /// The first column of the first row as `T`, or nil when there is no row or the value is NULL.
    /// Throws when the value does not decode as `T`.
    public func scalar<T: SQLiteValueConvertible>(_ sql: String, _ bindings: any SQLiteValueConvertible...,
                                                  as type: T.Type = T.self) throws -> T? {
        guard let row = try query(sql, bindings: bindings).first else { return nil }
        if case .null = try row.value(at: 0) { return nil }
        return try row.get(at: 0, as: T.self)
    }

    /// Runs several `;`-separated statements without bindings (schema migrations).
    public func executeScript(_ sql: String) throws {
        try locked {
            var message: UnsafeMutablePointer<CChar>?
            let rc = sqlite3_exec(handle, sql, nil, nil, &message)
            defer { sqlite3_free(message) }
            guard rc == SQLITE_OK else {
                let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
                throw StoreError.sqlite(code: rc, message: text, sql: sql, path: path)
            }
        }
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { locked { sqlite3_last_insert_rowid(handle) } }

    /// True while a transaction is open on this connection.
    public var isInTransaction: Bool { locked { sqlite3_get_autocommit(handle) == 0 } }

    // MARK: Transactions

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws (and
    /// rethrows). The outermost level is `BEGIN IMMEDIATE`, which takes the write lock up front so
    /// that two writers wait for each other (busy timeout) instead of failing at their first write.
    /// Nested calls use a SAVEPOINT, so an inner failure that is caught undoes only the inner body.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try locked {
            let outermost = transactionDepth == 0
            // The savepoint name is a fixed identifier: SQLite resolves nested same-named
            // savepoints to the most recent one.
            try execute(outermost ? "BEGIN IMMEDIATE" : "SAVEPOINT retain_nested")
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            do {
                let result = try body()
                try execute(outermost ? "COMMIT" : "RELEASE retain_nested")
                return result
            } catch {
                // Some errors (e.g. SQLITE_FULL) already rolled the transaction back.
                if sqlite3_get_autocommit(handle) == 0 {
                    if outermost {
                        _ = try? execute("ROLLBACK")
                    } else {
                        _ = try? execute("ROLLBACK TO retain_nested")
                        _ = try? execute("RELEASE retain_nested")
                    }
                }
                throw error
            }
        }
    }

    // MARK: Internals

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    func error(code: Int32, sql: String) -> StoreError {
        .sqlite(code: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql, path: path)
    }
}
