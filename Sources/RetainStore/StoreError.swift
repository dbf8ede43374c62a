import CSQLite
import Foundation

/// Everything that can go wrong in the store. Each case carries enough context (database path,
/// SQL text, SQLite's own message and result code) for the CLI to print one useful line.
public enum StoreError: Error, Sendable, Equatable {
    /// SQLite reported an error while preparing or running `sql`.
    case sqlite(code: Int32, message: String, sql: String, path: String)
    /// The database file could not be opened.
    case openFailed(path: String, code: Int32, message: String)
    /// A read-only open of a file that does not exist.
    case databaseNotFound(path: String)
    /// The database was written by a newer retain.
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// A read-only open of a database that still needs migrations (read-only opens never migrate).
    case schemaOutdated(path: String, found: Int, required: Int)
    /// A migration failed; the database stays at the previous version.
    case migrationFailed(path: String, version: Int, name: String, underlying: String)
    /// A result row has no column of that name.
    case missingColumn(name: String, available: [String], sql: String)
    /// A result row has fewer columns than the index asked for.
    case columnIndexOutOfRange(index: Int, count: Int, sql: String)
    /// A column's stored value does not decode as the requested Swift type.
    case typeMismatch(column: String, expected: String, found: String, sql: String)
    /// The number of `?` parameters and bindings differ.
    case bindingCount(expected: Int, got: Int, sql: String)
    /// `execute`/`query` got more than one statement, or none.
    case invalidSQL(reason: String, sql: String)
    /// A stage run that should exist does not.
    case stageNotFound(hash: String)
    /// A stage run is in a status that does not allow the operation.
    case invalidStageStatus(hash: String, status: String, operation: String)
    /// Stored or supplied data does not have the expected shape (JSON, counts, enum values).
    case invalidData(String)
}

extension StoreError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case let .sqlite(code, message, sql, path):
            return "SQLite error \(code) (\(StoreError.codeName(code))): \(message) — in `\(StoreError.abbreviated(sql))` on \(path)"
        case let .openFailed(path, code, message):
            return "cannot open database \(path): \(message) (SQLite error \(code), \(StoreError.codeName(code)))"
        case let .databaseNotFound(path):
            return "no database at \(path) (a read-only open never creates one)"
        case let .schemaTooNew(path, found, supported):
            return "database schema version \(found) is newer than this retain (\(supported)); upgrade retain (database: \(path))"
        case let .schemaOutdated(path, found, required):
            return "database schema version \(found) is older than this retain (\(required)) and a read-only open cannot migrate it; open it read-write once (database: \(path))"
        case let .migrationFailed(path, version, name, underlying):
            return "migration \(version) (\(name)) failed on \(path): \(underlying)"
        case let .missingColumn(name, available, sql):
            return "no column \"\(name)\" in result of `\(StoreError.abbreviated(sql))` (columns: \(available.joined(separator: ", ")))"
        case let .columnIndexOutOfRange(index, count, sql):
            return "column index \(index) out of range (\(count) columns) in result of `\(StoreError.abbreviated(sql))`"
        case let .typeMismatch(column, expected, found, sql):
            return "column \"\(column)\" holds \(found), expected \(expected), in result of `\(StoreError.abbreviated(sql))`"
        case let .bindingCount(expected, got, sql):
            return "`\(StoreError.abbreviated(sql))` has \(expected) parameter(s) but got \(got) binding(s)"
        case let .invalidSQL(reason, sql):
            return "\(reason): `\(StoreError.abbreviated(sql))`"
        case let .stageNotFound(hash):
            return "no stage run with hash \(hash)"
        case let .invalidStageStatus(hash, status, operation):
            return "cannot \(operation) stage run \(hash): its status is '\(status)'"
        case let .invalidData(message):
            return message
        }
    }

    public var errorDescription: String? { description }

    /// SQLite's primary result-code name ("SQLITE_BUSY"), extended codes reduced to their primary.
    static func codeName(_ code: Int32) -> String {
        let names: [Int32: String] = [
            1: "SQLITE_ERROR", 2: "SQLITE_INTERNAL", 3: "SQLITE_PERM", 4: "SQLITE_ABORT", 5: "SQLITE_BUSY",
            6: "SQLITE_LOCKED", 7: "SQLITE_NOMEM", 8: "SQLITE_READONLY", 9: "SQLITE_INTERRUPT", 10: "SQLITE_IOERR",
            11: "SQLITE_CORRUPT", 12: "SQLITE_NOTFOUND", 13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN",
            15: "SQLITE_PROTOCOL", 17: "SQLITE_SCHEMA", 18: "SQLITE_TOOBIG", 19: "SQLITE_CONSTRAINT",
            20: "SQLITE_MISMATCH", 21: "SQLITE_MISUSE", 23: "SQLITE_AUTH", 25: "SQLITE_RANGE", 26: "SQLITE_NOTADB",
        ]
        return names[code & 0xFF] ?? "code \(code)"
    }

    /// Single-line SQL, cut to a readable length (the full text stays in the associated value).
    static func abbreviated(_ sql: String, limit: Int = 240) -> String {
        let oneLine = sql.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return oneLine.count <= limit ? oneLine : String(oneLine.prefix(limit)) + "…"
    }
}
