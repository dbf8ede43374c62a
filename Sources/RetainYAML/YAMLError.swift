import Foundation

/// Why a YAML file — an experiment spec, a budget — was rejected, and where.
///
/// `description` reads like a compiler diagnostic:
///
///     examples/quick.yaml:14:3: synthesis.temperature: expected a number in 0...2, found "hot"
///
/// `file` is the name the document was parsed under, `line`/`column` are 1-based (columns count
/// Unicode scalars, as libyaml does), `path` is the field path in the document
/// (`synthesis.judges[1].kind`, `budgets[2].not_worse.than`; empty for the document itself), and
/// `message` says what was found and what is allowed.
public struct YAMLError: Error, LocalizedError, CustomStringConvertible, Hashable, Sendable {
    /// What kind of problem this is (for callers that branch on it; the message is for people).
    public enum Kind: String, Codable, Hashable, Sendable {
        /// The file is not valid YAML (libyaml's scanner/parser/composer rejected it).
        case syntax
        /// A key the schema does not have.
        case unknownKey
        /// A required key is absent (or null).
        case missingRequired
        /// The value has the wrong shape: a list where a number belongs, a string where an
        /// integer belongs, ...
        case wrongType
        /// A number outside its allowed range, or a list with too few or too many elements.
        case outOfRange
        /// A value that is not one of the allowed names or does not match the allowed pattern
        /// (bad arm, unknown model, bad experiment name, unknown metric variant, ...).
        case invalidValue
        /// The same key, seed, arm, model, judge, benchmark, share or budget name given twice.
        case duplicate
        /// A constraint between fields (`max_chars >= min_chars`, sweep arm among the arms,
        /// exactly one rule per budget).
        case inconsistent
        /// The file does not exist or could not be read.
        case fileNotFound
        /// The file is not valid UTF-8.
        case notUTF8
    }

    public var kind: Kind
    /// The file name the document was parsed under (as given to the parser).
    public var file: String
    /// 1-based line, or nil when the problem has no position (file not found).
    public var line: Int?
    /// 1-based column, or nil when the problem has no position.
    public var column: Int?
    /// Field path such as `synthesis.judges[1].kind`; empty for the document as a whole.
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

    /// `location: path: message`, leaving out an empty location (a value parsed on its own, with
    /// no file) or an empty path (the document as a whole).
    public var description: String {
        [location, path, message].filter { !$0.isEmpty }.joined(separator: ": ")
    }

    public var errorDescription: String? { description }
}
