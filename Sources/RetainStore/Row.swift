import Foundation

/// One result row: values by position plus the column names of its statement.
public struct Row: Sendable, Equatable {
    /// Column names, as SQLite reports them (the `AS` alias when there is one).
    public let columns: [String]
    /// Values in column order.
    public let values: [SQLiteValue]
    /// The statement that produced the row, for error messages.
    let sql: String

    init(columns: [String], values: [SQLiteValue], sql: String) {
        self.columns = columns
        self.values = values
        self.sql = sql
    }

    public static func == (lhs: Row, rhs: Row) -> Bool { lhs.columns == rhs.columns && lhs.values == rhs.values }

    /// The raw value of the first column named `name`.
    public func value(_ name: String) throws -> SQLiteValue {
        guard let i = columns.firstIndex(of: name) else {
            throw StoreError.missingColumn(name: name, available: columns, sql: sql)
        }
        return values[i]
    }

    /// The raw value at `index`.
    public func value(at index: Int) throws -> SQLiteValue {
        guard values.indices.contains(index) else {
            throw StoreError.columnIndexOutOfRange(index: index, count: values.count, sql: sql)
        }
        return values[index]
    }

    /// The column named `name` as `T`; throws on a missing column or a storage class that does
    /// not fit `T` (use an Optional type for nullable columns).
    public func get<T: SQLiteValueConvertible>(_ name: String, as type: T.Type = T.self) throws -> T {
        try decode(try value(name), column: name)
    }

    /// The column at `index` as `T`; throws like `get(_:as:)`.
    public func get<T: SQLiteValueConvertible>(at index: Int, as type: T.Type = T.self) throws -> T {
        let v = try value(at: index)
        return try decode(v, column: columns[index])
    }

    private func decode<T: SQLiteValueConvertible>(_ v: SQLiteValue, column: String) throws -> T {
        guard let decoded = T.decode(v) else {
            throw StoreError.typeMismatch(column: column, expected: T.sqliteTypeDescription, found: v.typeName, sql: sql)
        }
        return decoded
    }
}
