import Foundation
import Yams

// Typed reads from Yams `Node`s that turn every problem into a `SpecError` carrying the node's
// file position and field path.

/// An interval of allowed numbers, with the text messages show for it ("0...2", "(0, 1]").
struct Bounds {
    var lower: Double
    var lowerOpen: Bool
    var upper: Double
    var upperOpen: Bool

    static func closed(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: false, upper: b, upperOpen: false) }
    /// (a, b]
    static func openClosed(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: true, upper: b, upperOpen: false) }
    /// [a, b)
    static func closedOpen(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: false, upper: b, upperOpen: true) }
    /// (a, b)
    static func open(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: true, upper: b, upperOpen: true) }

    func contains(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        let aboveLower = lowerOpen ? x > lower : x >= lower
        let belowUpper = upperOpen ? x < upper : x <= upper
        return aboveLower && belowUpper
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

/// The parse context: the file name for positions and the models judges and generators may name.
struct SpecContext {
    let file: String
    let knownModels: [String]

    func error(_ kind: SpecError.Kind, _ node: Node?, _ path: String, _ message: String) -> SpecError {
        let mark = node?.mark
        return SpecError(kind: kind, file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, path: path, message: message)
    }

    // MARK: Describing what was found

    /// How a node reads in "found ..." messages: strings quoted, numbers and booleans bare,
    /// collections by kind.
    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if node.isNull { return "null" }
            if isQuoted(scalar) { return SpecNames.quoted(scalar.string) }
            switch node.tagName {
            case .bool: return "\(scalar.string) (a boolean)"
            case .int, .float: return scalar.string
            default:
                if Double(scalar.string.replacingOccurrences(of: "_", with: "")) != nil { return scalar.string }
                return SpecNames.quoted(scalar.string)
            }
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func isQuoted(_ scalar: Node.Scalar) -> Bool {
        scalar.style != .plain && scalar.style != .any
    }

    // MARK: Scalars

    /// A non-null scalar's text (names, models, arms). Numbers and booleans are taken as written.
    func text(_ node: Node, _ path: String, expected: String) throws -> String {
        guard case .scalar(let scalar) = node, !node.isNull else {
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

    /// An integer in `range` (decimal; YAML 1.1 `0x`/`0o` forms are accepted too).
    func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>, rangeText: String? = nil) throws -> Int {
        let expected = "expected an integer " + (rangeText ?? "in \(range.lowerBound)...\(range.upperBound)")
        guard let number = numericValue(node) else {
            throw error(.wrongType, node, path, "\(expected), found \(describe(node))")
        }
        let cleaned = node.scalar!.string.replacingOccurrences(of: "_", with: "")
        guard let value = Int(cleaned) ?? (node.tagName == .int ? node.int : nil) else {
            // A number, but not an integer (2.5), or too large for Int.
            let kind: SpecError.Kind = number == number.rounded() && number.isFinite ? .outOfRange : .wrongType
            throw error(kind, node, path, "\(expected), found \(describe(node))")
        }
        guard range.contains(value) else {
            throw error(.outOfRange, node, path, "\(expected), found \(describe(node))")
        }
        return value
    }

    /// A non-negative integer that fits in 64 bits (seeds).
    func unsigned(_ node: Node, _ path: String) throws -> UInt64 {
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

    /// A finite number within `bounds`.
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

    // MARK: Collections

    /// A list whose length is in `count`.
    func list(_ node: Node, _ path: String, of what: String, count: ClosedRange<Int>) throws -> [Node] {
        let countText = count.upperBound == Int.max ? "at least \(count.lowerBound)" : "\(count.lowerBound)...\(count.upperBound)"
        guard case .sequence(let sequence) = node else {
            throw error(.wrongType, node, path, "expected a list of \(countText) \(what), found \(describe(node))")
        }
        let items = Array(sequence)
        guard count.contains(items.count) else {
            let found = items.isEmpty ? "an empty list" : "\(items.count) elements"
            throw error(.outOfRange, node, path, "expected a list of \(countText) \(what), found \(found)")
        }
        return items
    }

    /// Throws `.duplicate` at the first element equal to an earlier one.
    func requireUnique<T: Hashable>(_ values: [T], _ nodes: [Node], _ path: String, what: String, show: (T) -> String) throws {
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

/// A mapping section whose keys have been checked against the schema.
struct Fields {
    let node: Node
    let path: String
    let context: SpecContext
    private var entries: [String: (key: Node, value: Node)] = [:]

    /// Checks that `node` is a mapping whose keys are all in `allowed` (unknown keys are errors,
    /// with a suggestion when one allowed key is within edit distance 2).
    init(_ node: Node, path: String, allowed: [String], context: SpecContext, what: String) throws {
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
                if let suggestion = EditDistance.suggestion(for: name, among: allowed) {
                    message += "; did you mean \"\(suggestion)\"?"
                }
                message += " (allowed keys\(path.isEmpty ? "" : " in \(path)"): \(allowed.joined(separator: ", ")))"
                throw context.error(.unknownKey, key, Fields.join(path, name), message)
            }
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

    /// The value of a required key; absent or null is `.missingRequired`, reported at the key when
    /// it is present with a null value and at the enclosing mapping otherwise.
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
