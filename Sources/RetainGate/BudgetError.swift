import Foundation

/// Why a budget file was rejected, and where.
///
/// `description` reads like a compiler diagnostic:
///
///     baselines/example-budget.yaml:9:7: budgets[0].general_forgetting.max_points: expected a number in 0...100, found "three"
///
/// `file` is the name the budget was parsed under, `line`/`column` are 1-based (columns count
/// Unicode scalars, as libyaml does), `path` is the field path (`budgets[2].not_worse.than`;
/// empty for the document itself) and `message` says what was found and what is allowed.
public struct BudgetError: Error, LocalizedError, CustomStringConvertible, Hashable, Sendable {
    /// What kind of problem this is (for callers that branch on it; the message is for people).
    public enum Kind: String, Codable, Hashable, Sendable {
        /// The file is not valid YAML.
        case syntax
        /// A key the schema does not have.
        case unknownKey
        /// A required key is absent (or null).
        case missingRequired
        /// The value has the wrong shape (a list where a number belongs, ...).
        case wrongType
        /// A number outside its allowed range, or an empty list.
        case outOfRange
        /// A value that is not one of the allowed names (variant, metric, ...).
        case invalidValue
        /// The same key or budget name given twice.
        case duplicate
        /// A budget with no rule or with more than one rule.
        case inconsistent
        /// The budget file does not exist or could not be read.
        case fileNotFound
        /// The budget file is not valid UTF-8.
        case notUTF8
    }

    public var kind: Kind
    /// The file name the budget was parsed under (as given to the parser).
    public var file: String
    /// 1-based line, or nil when the problem has no position (file not found).
    public var line: Int?
    /// 1-based column, or nil when the problem has no position.
    public var column: Int?
    /// Field path such as `budgets[1].domain_gain.min_points`; empty for the document as a whole.
    public var path: String
    /// What was found and what is allowed.
    public var message: String

    public init(kind: Kind, file: String, line: Int?, column: Int?, path: String, message: String) {
        self.kind = kind; self.file = file; self.line = line; self.column = column
        self.path = path; self.message = message
    }

    /// `file:line:column` (or just `file` when there is no position).
    public var location: String {
        guard let line else { return file }
        if let column { return "\(file):\(line):\(column)" }
        return "\(file):\(line)"
    }

    /// `location: path: message`, leaving out an empty path.
    public var description: String {
        [location, path, message].filter { !$0.isEmpty }.joined(separator: ": ")
    }

    public var errorDescription: String? { description }
}
