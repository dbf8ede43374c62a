import Foundation
import Yams

// Typed reads from Yams `Node`s that turn every problem into a `BudgetError` carrying the node's
// file position and field path. Adapted from RetainSpec's NodeReader (which this target does not
// import, so the two parsers can evolve separately).

/// An interval of allowed numbers, with the text messages show for it ("0...100", "(0, 0.5]").
struct Bounds {
    var lower: Double
    var lowerOpen: Bool
    var upper: Double
    var upperOpen: Bool

    static func closed(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: false, upper: b, upperOpen: false) }
    /// (a, b]
    static func openClosed(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: true, upper: b, upperOpen: false) }

    func contains(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        return (lowerOpen ? x > lower : x >= lower) && (upperOpen ? x < upper : x <= upper)
    }

    var text: String {
        if !lowerOpen && !upperOpen { return "\(Bounds.format(lower))...\(Bounds.format(upper))" }
        return "\(lowerOpen ? "(" : "[")\(Bounds.format(lower)), \(Bounds.format(upper))\(upperOpen ? ")" : "]")"
    }

    static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }
}

/// The parse context: the file name for positions.
struct BudgetContext {
    let file: String

    func error(_ kind: BudgetError.Kind, _ node: Node?, _ path: String, _ message: String) -> BudgetError {
        let mark = node?.mark
        return BudgetError(kind: kind, file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, path: path, message: message)
    }

    /// How a node reads in "found ..." messages: strings quoted, numbers and booleans bare,
    /// collections by kind.
    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if node.isNull { return "null" }
            if isQuoted(scalar) { return quoted(scalar.string) }
            switch node.tagName {
            case .bool: return "\(scalar.string) (a boolean)"
            case .int, .float: return scalar.string
            default:
                if Double(scalar.string.replacingOccurrences(of: "_", with: "")) != nil { return scalar.string }
                return quoted(scalar.string)
            }
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func isQuoted(_ scalar: Node.Scalar) -> Bool { scalar.style != .plain && scalar.style != .any }

    /// A non-empty scalar's text (names, arms, files). Numbers and booleans are taken as written.
    func text(_ node: Node, _ path: String, expected: String) throws -> String {
        guard case .scalar(let scalar) = node, !node.isNull, !scalar.string.isEmpty else {
            throw error(.wrongType, node, path, "expected \(expected), found \(describe(node))")
        }
        return scalar.string
    }

    /// The number a plain scalar spells, if it spells one (underscores allowed, as in YAML 1.1).
    private func numericValue(_ node: Node) -> Double? {
        guard case .scalar(let scalar) = node, !isQuoted(scalar), !node.isNull else { return nil }
        switch node.tagName {
        case .bool, .null, .str: return nil
        default: break
        }
        return Double(scalar.string.replacingOccurrences(of: "_", with: "")) ?? node.float
    }

    /// A finite number within `bounds` (plain scalars only: a quoted "3" is a string).
    func number(_ node: Node, _ path: String, in bounds: Bounds) throws -> Double {
        let expected = "expected a number in \(bounds.text)"
        guard let value = numericValue(node) else {
            throw error(.wrongType, node, path, "\(expected), found \(describe(node))")
        }
        guard bounds.contains(value) else {
            throw error(.outOfRange, node, path, "\(expected), found \(describe(node))")
        }
        return value
    }

    /// One of a fixed set of names, with a "did you mean" suggestion for a near miss.
    func choice<T>(_ node: Node, _ path: String, _ options: [(String, T)]) throws -> T {
        let names = options.map(\.0)
        let allowed = names.joined(separator: " | ")
        guard case .scalar(let scalar) = node, !node.isNull else {
            throw error(.wrongType, node, path, "expected one of \(allowed), found \(describe(node))")
        }
        if let hit = options.first(where: { $0.0 == scalar.string }) { return hit.1 }
        var message = "expected one of \(allowed), found \(describe(node))"
        if let suggestion = EditDistance.suggestion(for: scalar.string, among: names) {
            message += "; did you mean \"\(suggestion)\"?"
        }
        throw error(.invalidValue, node, path, message)
    }

    /// A non-empty list.
    func list(_ node: Node, _ path: String, of what: String) throws -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(.wrongType, node, path, "expected a list of \(what), found \(describe(node))")
        }
        let items = Array(sequence)
        guard !items.isEmpty else { throw error(.outOfRange, node, path, "expected a non-empty list of \(what), found an empty list") }
        return items
    }
}

/// A mapping whose keys have been checked against the schema.
struct Fields {
    let node: Node
    let path: String
    let context: BudgetContext
    /// The keys present, in document order.
    private(set) var keys: [String] = []
    private var entries: [String: (key: Node, value: Node)] = [:]

    /// Checks that `node` is a mapping whose keys are all in `allowed` (unknown keys are errors,
    /// with a suggestion when one allowed key is within edit distance 2).
    init(_ node: Node, path: String, allowed: [String], context: BudgetContext, what: String) throws {
        self.node = node; self.path = path; self.context = context
        guard case .mapping(let mapping) = node else {
            throw context.error(.wrongType, node, path, "expected \(what), found \(context.describe(node))")
        }
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, !key.isNull else {
                throw context.error(.wrongType, key, path, "keys must be plain names, found \(context.describe(key)) as a key")
            }
            let name = scalar.string
            guard allowed.contains(name) else {
                var message = "unknown key"
                if let suggestion = EditDistance.suggestion(for: name, among: allowed) { message += "; did you mean \"\(suggestion)\"?" }
                message += " (allowed keys\(path.isEmpty ? "" : " in \(path)"): \(allowed.joined(separator: ", ")))"
                throw context.error(.unknownKey, key, Fields.join(path, name), message)
            }
            keys.append(name)
            entries[name] = (key, value)
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func path(_ key: String) -> String { Fields.join(path, key) }

    /// The key's value, or nil when the key is absent or its value is null (both mean "default").
    func value(_ key: String) -> Node? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        return entry.value
    }

    /// The key node, when the key is present.
    func keyNode(_ key: String) -> Node? { entries[key]?.key }

    /// The value of a required key; absent or null is `.missingRequired`, reported at the null
    /// value when the key is present and at the enclosing mapping otherwise.
    func required(_ key: String, _ expected: String) throws -> Node {
        if let value = value(key) { return value }
        if let entry = entries[key] {
            throw context.error(.missingRequired, entry.value, path(key), "required value is missing (expected \(expected))")
        }
        throw context.error(.missingRequired, node, path(key), "missing required key (expected \(expected))")
    }
}

extension Node {
    /// The resolved tag's name (`Tag.name` is internal to Yams; `rawValue` is public).
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }

    /// A plain `~`, `null` or empty scalar.
    var isNull: Bool {
        guard case .scalar = self else { return false }
        return tagName == .null
    }
}

/// A string in double quotes, with quotes, backslashes and control characters escaped.
func quoted(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if c.value < 0x20 { out += String(format: "\\u{%02X}", c.value) } else { out.unicodeScalars.append(c) }
        }
    }
    return out + "\""
}

/// Levenshtein distance, for "did you mean" suggestions.
enum EditDistance {
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The candidate nearest to `word` within `maxDistance` edits (ties: the earlier candidate);
    /// nil otherwise or when `word` is itself a candidate.
    static func suggestion(for word: String, among candidates: [String], maxDistance: Int = 2) -> String? {
        var best: (String, Int)?
        for candidate in candidates where candidate != word {
            let d = distance(word, candidate)
            if d <= maxDistance, d < (best?.1 ?? Int.max) { best = (candidate, d) }
        }
        return best?.0
    }
}
