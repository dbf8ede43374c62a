import Yams

/// A mapping whose keys have been checked against the schema.
public struct Fields {
    /// The mapping node (where a missing required key is reported).
    public let node: Node
    /// The mapping's field path; empty for the document's top level.
    public let path: String
    /// The reader errors are made by.
    public let context: any YAMLReader
    /// The keys present, in document order.
    public private(set) var keys: [String] = []
    private var entries: [String: (key: Node, value: Node)] = [:]

    /// Checks that `node` is a mapping whose keys are all in `allowed` (unknown keys are errors,
    /// with a suggestion when one allowed key is within edit distance 2). `what` describes the
    /// expected mapping for a node of another kind.
    public init(_ node: Node, path: String, allowed: [String], context: any YAMLReader, what: String) throws {
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
            keys.append(name)
            entries[name] = (key, value)
        }
    }

    /// `path.key`, or `key` at the top level.
    public static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The field path of `key` in this mapping.
    public func path(_ key: String) -> String { Fields.join(path, key) }

    /// The key's value, or nil when the key is absent or its value is null (both mean "default").
    public func value(_ key: String) -> Node? {
        guard let entry = entries[key], !entry.value.isNull else { return nil }
        return entry.value
    }

    /// The key node, when the key is present.
    public func keyNode(_ key: String) -> Node? { entries[key]?.key }

    /// The value of a required key; absent or null is `.missingRequired`, reported at the null
    /// value when the key is present and at the enclosing mapping otherwise.
    public func required(_ key: String, _ expected: String) throws -> Node {
        if let value = value(key) { return value }
        if let entry = entries[key] {
            throw context.error(.missingRequired, entry.value, path(key), "required value is missing (expected \(expected))")
        }
        throw context.error(.missingRequired, node, path(key), "missing required key (expected \(expected))")
    }
}
