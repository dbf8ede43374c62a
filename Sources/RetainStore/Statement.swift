import CSQLite
import Foundation

/// SQLite copies bound text and blobs before `sqlite3_bind_*` returns.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A compiled statement, reusable with different bindings (e.g. one INSERT for a batch of rows).
///
/// Every method takes the owning connection's lock, so a statement is as thread-safe as its
/// `SQLiteDatabase`.
public final class Statement {
    /// The SQL text this statement was compiled from.
    public let sql: String
    let database: SQLiteDatabase
    private let handle: OpaquePointer
    /// Number of `?` parameters.
    public let parameterCount: Int

    init(database: SQLiteDatabase, handle: OpaquePointer, sql: String) {
        self.database = database
        self.handle = handle
        self.sql = sql
        self.parameterCount = Int(sqlite3_bind_parameter_count(handle))
    }

    deinit { sqlite3_finalize(handle) }

    /// Runs the statement with `bindings` and returns the number of rows it changed.
    @discardableResult
    public func execute(_ bindings: [any SQLiteValueConvertible]) throws -> Int {
        try database.locked {
            try bind(bindings)
            defer { sqlite3_reset(handle) }
            while try step() {}
            return Int(sqlite3_changes(database.handle))
        }
    }

    /// Runs the statement with `bindings` and returns all result rows.
    public func query(_ bindings: [any SQLiteValueConvertible]) throws -> [Row] {
        try database.locked {
            try bind(bindings)
            defer { sqlite3_reset(handle) }
            let count = Int(sqlite3_column_count(handle))
            let names = (0..<count).map { String(cString: sqlite3_column_name(handle, Int32($0))) }
            var rows: [Row] = []
            while try step() {
                rows.append(Row(columns: names, values: (0..<count).map { column(Int32($0)) }, sql: sql))
            }
            return rows
        }
    }

    private func bind(_ bindings: [any SQLiteValueConvertible]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard bindings.count == parameterCount else {
            throw StoreError.bindingCount(expected: parameterCount, got: bindings.count, sql: sql)
        }
        for (offset, binding) in bindings.enumerated() {
            let i = Int32(offset + 1)
            let rc: Int32
            switch binding.sqliteValue {
            case .integer(let v): rc = sqlite3_bind_int64(handle, i, v)
            case .real(let v): rc = sqlite3_bind_double(handle, i, v)
            case .null: rc = sqlite3_bind_null(handle, i)
            case .text(let s):
                // Explicit byte length: no reliance on NUL termination.
                rc = Array(s.utf8).withUnsafeBufferPointer { buf in
                    // An empty array has no base address, and a nil pointer would bind NULL.
                    guard let base = buf.baseAddress else { return sqlite3_bind_text(handle, i, "", 0, SQLITE_TRANSIENT) }
                    return base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                        sqlite3_bind_text(handle, i, $0, Int32(buf.count), SQLITE_TRANSIENT)
                    }
                }
            case .blob(let d):
                // A nil pointer would bind NULL, so an empty blob needs zeroblob.
                if d.isEmpty { rc = sqlite3_bind_zeroblob(handle, i, 0) } else {
                    rc = d.withUnsafeBytes { sqlite3_bind_blob(handle, i, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
                }
            }
            guard rc == SQLITE_OK else { throw database.error(code: rc, sql: sql) }
        }
    }

    /// True when a row is ready, false when done.
    private func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(code: rc, sql: sql)
        }
    }

    private func column(_ i: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            guard let p = sqlite3_column_text(handle, i) else { return .text("") }
            let n = Int(sqlite3_column_bytes(handle, i))
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(handle, i))
            guard n > 0, let p = sqlite3_column_blob(handle, i) else { return .blob(Data()) }
            return .blob(Data(bytes: p, count: n))
        default: return .null
        }
    }
}
