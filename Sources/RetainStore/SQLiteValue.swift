import Foundation

/// One SQLite value, as bound to a `?` parameter or read from a result column.
public enum SQLiteValue: Sendable, Hashable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case null

    /// SQLite's name for the storage class, used in type-mismatch errors.
    public var typeName: String {
        switch self {
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .text: return "TEXT"
        case .blob: return "BLOB"
        case .null: return "NULL"
        }
    }
}

extension SQLiteValue: CustomStringConvertible {
    /// A canonical, unambiguous rendering (text JSON-quoted, reals in shortest round-trip form,
    /// blobs as hex), used by `ExperimentStore.dumpOutputs()`.
    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .real(let v): return "\(v)"
        case .text(let s): return SQLiteValue.quoted(s)
        case .blob(let d): return "x'" + d.map { String(format: "%02x", $0) }.joined() + "'"
        case .null: return "NULL"
        }
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// A Swift type that binds to a `?` parameter and decodes from a result column.
///
/// Decoding is strict so that schema drift surfaces as an error instead of a silent coercion:
/// integers decode only from INTEGER, text only from TEXT, blobs only from BLOB. The one widening
/// is `Double`, which also accepts INTEGER (SQLite returns integers for e.g. `SUM` over integer
/// columns and for whole-valued REALs in some expressions).
public protocol SQLiteValueConvertible {
    /// The value to bind.
    var sqliteValue: SQLiteValue { get }
    /// The Swift value for a column, or nil when the column's storage class does not fit.
    static func decode(_ value: SQLiteValue) -> Self?
    /// A name for error messages ("Int", "String?").
    static var sqliteTypeDescription: String { get }
}

extension SQLiteValue: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { self }
    public static func decode(_ value: SQLiteValue) -> SQLiteValue? { value }
    public static var sqliteTypeDescription: String { "SQLiteValue" }
}

extension Int64: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .integer(self) }
    public static func decode(_ value: SQLiteValue) -> Int64? {
        if case .integer(let v) = value { return v }
        return nil
    }
    public static var sqliteTypeDescription: String { "Int64" }
}

extension Int: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    public static func decode(_ value: SQLiteValue) -> Int? {
        if case .integer(let v) = value { return Int(exactly: v) }
        return nil
    }
    public static var sqliteTypeDescription: String { "Int" }
}

/// Stored as the Int64 with the same bit pattern (SQLite integers are signed 64-bit), so values
/// above `Int64.max` read back exactly but sort and compare as negative numbers inside SQL.
extension UInt64: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .integer(Int64(bitPattern: self)) }
    public static func decode(_ value: SQLiteValue) -> UInt64? {
        if case .integer(let v) = value { return UInt64(bitPattern: v) }
        return nil
    }
    public static var sqliteTypeDescription: String { "UInt64" }
}

extension Double: SQLiteValueConvertible {
    /// NaN binds as NULL (SQLite cannot store NaN and would do the same).
    public var sqliteValue: SQLiteValue { isNaN ? .null : .real(self) }
    public static func decode(_ value: SQLiteValue) -> Double? {
        switch value {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
    public static var sqliteTypeDescription: String { "Double" }
}

/// Stored as INTEGER 0/1; any other stored value is a type mismatch.
extension Bool: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
    public static func decode(_ value: SQLiteValue) -> Bool? {
        switch value {
        case .integer(0): return false
        case .integer(1): return true
        default: return nil
        }
    }
    public static var sqliteTypeDescription: String { "Bool" }
}

extension String: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .text(self) }
    public static func decode(_ value: SQLiteValue) -> String? {
        if case .text(let s) = value { return s }
        return nil
    }
    public static var sqliteTypeDescription: String { "String" }
}

extension Data: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .blob(self) }
    public static func decode(_ value: SQLiteValue) -> Data? {
        if case .blob(let d) = value { return d }
        return nil
    }
    public static var sqliteTypeDescription: String { "Data" }
}

/// `nil` binds as NULL; NULL decodes as `nil`.
extension Optional: SQLiteValueConvertible where Wrapped: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue {
        switch self {
        case .none: return .null
        case .some(let w): return w.sqliteValue
        }
    }
    public static func decode(_ value: SQLiteValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
    public static var sqliteTypeDescription: String { Wrapped.sqliteTypeDescription + "?" }
}
