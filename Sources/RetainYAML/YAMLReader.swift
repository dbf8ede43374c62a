import Foundation
import Yams

/// Typed reads from Yams `Node`s that turn every problem into a `YAMLError` carrying the node's
/// file position and field path.
///
/// A parser's context conforms (it names the file, and may carry more, such as the models a spec
/// may name); the extension supplies the reads, so every parser words "expected ..., found ..."
/// the same way.
public protocol YAMLReader {
    /// The file name errors are reported under.
    var file: String { get }
}

extension YAMLReader {
    /// An error at `node`'s position (line 1, column 1 when there is no node).
    public func error(_ kind: YAMLError.Kind, _ node: Node?, _ path: String, _ message: String) -> YAMLError {
        let mark = node?.mark
        return YAMLError(kind: kind, file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, path: path, message: message)
    }

    // MARK: Describing what was found

    /// How a node reads in "found ..." messages: strings quoted, numbers and booleans bare,
    /// collections by kind.
    public func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if node.isNull { return "null" }
            if isQuoted(scalar) { return quotedName(scalar.string) }
            switch node.tagName {
            case .bool: return "\(scalar.string) (a boolean)"
            case .int, .float: return scalar.string
            default:
                if Double(scalar.string.replacingOccurrences(of: "_", with: "")) != nil { return scalar.string }
                return quotedName(scalar.string)
            }
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// Whether the scalar was written in quotes (or as a block scalar): then it is a string, even
    /// when it spells a number.
    public func isQuoted(_ scalar: Node.Scalar) -> Bool {
        scalar.style != .plain && scalar.style != .any
    }

    // MARK: Scalars

    /// A non-null scalar's text (names, models, arms, files). Numbers and booleans are taken as
    /// written. With `allowEmpty: false` a quoted empty string is rejected too.
    public func text(_ node: Node, _ path: String, expected: String, allowEmpty: Bool = true) throws -> String {
        guard case .scalar(let scalar) = node, !node.isNull, allowEmpty || !scalar.string.isEmpty else {
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
        let cleaned = scalar.string.replacingOccurrences(of: "_", with: "")
        if let value = Double(cleaned) { return value }
        return node.float
    }

    /// An integer in `range` (decimal; YAML 1.1 `0x`/`0o` forms are accepted too). `rangeText`
    /// replaces the "in a...b" of messages (">= 1" for an unbounded range).
    public func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>, rangeText: String? = nil) throws -> Int {
        let expected = "expected an integer " + (rangeText ?? "in \(range.lowerBound)...\(range.upperBound)")
        guard let number = numericValue(node) else {
            throw error(.wrongType, node, path, "\(expected), found \(describe(node))")
        }
        let cleaned = node.scalar!.string.replacingOccurrences(of: "_", with: "")
        guard let value = Int(cleaned) ?? (node.tagName == .int ? node.int : nil) else {
            // A number, but not an integer (2.5), or too large for Int.
            let kind: YAMLError.Kind = number == number.rounded() && number.isFinite ? .outOfRange : .wrongType
            throw error(kind, node, path, "\(expected), found \(describe(node))")
        }
        guard range.contains(value) else {
            throw error(.outOfRange, node, path, "\(expected), found \(describe(node))")
        }
        return value
    }

    /// A non-negative integer that fits in 64 bits (seeds).
    public func unsigned(_ node: Node, _ path: String) throws -> UInt64 {
        let expected = "expected a non-negative integer"
        guard let number = numericValue(node) else {
            throw error(.wrongType, node, path, "\(expected), found \(describe(node))")
        }
        let cleaned = node.scalar!.string.replacingOccurrences(of: "_", with: "")
        if let value = UInt64(cleaned.hasPrefix("+") ? String(cleaned.dropFirst()) : cleaned) { return value }
        if node.tagName == .int, let value = node.int, value >= 0 { return UInt64(value) }
        let isInteger = number == number.rounded() && number.isFinite
        let limit = number > 0 ? " (at most \(UInt64.max))" : ""
        throw error(isInteger ? .outOfRange : .wrongType, node, path, "\(expected)\(limit), found \(describe(node))")
    }

    /// A finite number within `bounds` (plain scalars only: a quoted "3" is a string).
    public func number(_ node: Node, _ path: String, in bounds: Bounds) throws -> Double {
        let expected = "expected a number in \(bounds.text)"
        guard let value = numericValue(node) else {
            throw error(.wrongType, node, path, "\(expected), found \(describe(node))")
        }
        guard bounds.contains(value) else {
            throw error(.outOfRange, node, path, "\(expected), found \(describe(node))")
        }
        return value
    }

    /// A boolean: a plain `true` or `false` (YAML 1.1's `yes`/`no`/`on`/`off` too, as the
    /// resolver reads them). A quoted "true" is a string.
    public func boolean(_ node: Node, _ path: String) throws -> Bool {
        guard case .scalar(let scalar) = node, !isQuoted(scalar), node.tagName == .bool, let value = node.bool else {
            throw error(.wrongType, node, path, "expected true or false, found \(describe(node))")
        }
        return value
    }

    /// One of a fixed set of names, with a "did you mean" suggestion for a near miss.
    public func choice<T>(_ node: Node, _ path: String, _ options: [(String, T)]) throws -> T {
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

    // MARK: Collections

    /// A list whose length is in `count`. Messages name the count ("a list of 1...20 seeds",
    /// "a list of at least 1 arms") unless it is the unconstrained default ("a list of budgets").
    public func list(_ node: Node, _ path: String, of what: String, count: ClosedRange<Int> = 0...Int.max) throws -> [Node] {
        let countText: String
        if count == 0...Int.max { countText = "" }
        else if count.upperBound == Int.max { countText = "at least \(count.lowerBound) " }
        else { countText = "\(count.lowerBound)...\(count.upperBound) " }
        guard case .sequence(let sequence) = node else {
            throw error(.wrongType, node, path, "expected a list of \(countText)\(what), found \(describe(node))")
        }
        let items = Array(sequence)
        guard count.contains(items.count) else {
            let found = items.isEmpty ? "an empty list" : "\(items.count) elements"
            throw error(.outOfRange, node, path, "expected a list of \(countText)\(what), found \(found)")
        }
        return items
    }

    /// Throws `.duplicate` at the first element equal to an earlier one.
    public func requireUnique<T: Hashable>(_ values: [T], _ nodes: [Node], _ path: String, what: String, show: (T) -> String) throws {
        var firstIndex: [T: Int] = [:]
        for (i, value) in values.enumerated() {
            if let earlier = firstIndex[value] {
                throw error(.duplicate, nodes[i], "\(path)[\(i)]",
                            "duplicate \(what) \(show(value)) (already given as \(path)[\(earlier)]); each \(what) may appear once")
            }
            firstIndex[value] = i
        }
    }
}

extension Node {
    /// The resolved tag's name (`Tag.name` is internal to Yams; `rawValue` is public).
    public var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }

    /// A plain `~`, `null` or empty scalar.
    public var isNull: Bool {
        guard case .scalar = self else { return false }
        return tagName == .null
    }
}
