import Foundation

/// JSON file format:
/// ```json
/// {"format": "retain-bpe", "version": 1,
///  "merges": [[left, right], ...],
///  "specialTokens": ["<|endoftext|>", ...]}
/// ```
extension BPETokenizer: Codable {
    /// The value of the `format` field.
    public static let fileFormat = "retain-bpe"
    /// The only supported value of the `version` field.
    public static let fileVersion = 1

    private enum CodingKeys: String, CodingKey {
        case format, version, merges, specialTokens
    }

    /// Encodes the format header, the merges as `[left, right]` pairs and the special tokens.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.fileFormat, forKey: .format)
        try c.encode(Self.fileVersion, forKey: .version)
        try c.encode(mergeList.map { [Int($0.left), Int($0.right)] }, forKey: .merges)
        try c.encode(specialTokens, forKey: .specialTokens)
    }

    /// Decodes and validates a tokenizer. Type errors surface as `DecodingError`; semantic errors
    /// (wrong format or version, bad merges, bad specials) as `TokenizerError`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let format = try c.decode(String.self, forKey: .format)
        guard format == Self.fileFormat else {
            throw TokenizerError.invalidModel(reason: "field 'format': expected \"\(Self.fileFormat)\", found \(format.debugDescription)")
        }
        let version = try c.decode(Int.self, forKey: .version)
        guard version == Self.fileVersion else {
            throw TokenizerError.invalidModel(reason: "field 'version': expected \(Self.fileVersion), found \(version)")
        }
        let rawMerges = try c.decode([[Int]].self, forKey: .merges)
        let specials = try c.decode([String].self, forKey: .specialTokens)
        var merges: [(left: Int, right: Int)] = []
        merges.reserveCapacity(rawMerges.count)
        for (rank, pair) in rawMerges.enumerated() {
            guard pair.count == 2 else {
                throw TokenizerError.invalidModel(reason: "field 'merges[\(rank)]': expected a pair [left, right], found \(pair.count) ids")
            }
            merges.append((pair[0], pair[1]))
        }
        do {
            try self.init(merges: merges, specialTokens: specials)
        } catch TokenizerError.invalidSpecialToken(let token, let reason) {
            throw TokenizerError.invalidModel(reason: "field 'specialTokens': \(token.debugDescription) \(reason)")
        }
    }

    /// Writes the tokenizer as JSON. Throws `TokenizerError.fileWriteFailed`.
    public func save(to url: URL) throws {
        let data: Data
        do {
            data = try JSONEncoder().encode(self)
        } catch {
            throw TokenizerError.fileWriteFailed(path: url.path, reason: "\(error)")
        }
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw TokenizerError.fileWriteFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Reads a tokenizer saved by `save(to:)`.
    ///
    /// Throws `TokenizerError.fileReadFailed` if the file cannot be read and
    /// `TokenizerError.malformedFile` (naming the file and the offending field) if its content is
    /// not a valid tokenizer. Never traps on bad input.
    public static func load(from url: URL) throws -> BPETokenizer {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.fileReadFailed(path: url.path, reason: error.localizedDescription)
        }
        do {
            return try JSONDecoder().decode(BPETokenizer.self, from: data)
        } catch let error as DecodingError {
            throw TokenizerError.malformedFile(path: url.path, reason: describe(error))
        } catch TokenizerError.invalidModel(let reason) {
            throw TokenizerError.malformedFile(path: url.path, reason: reason)
        } catch {
            throw TokenizerError.malformedFile(path: url.path, reason: "\(error)")
        }
    }

    /// A one-line explanation of a decoding error naming the JSON field.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            var s = ""
            for key in keys {
                if let i = key.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + key.stringValue }
            }
            return s.isEmpty ? "top level" : "field '\(s)'"
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type)) (\(context.debugDescription))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type)), found null"
        case .keyNotFound(let key, let context):
            return "missing required \(path(context.codingPath + [key]))"
        case .dataCorrupted(let context):
            var reason = "cannot parse the JSON, is it truncated or corrupted? (\(context.debugDescription)"
            if let underlying = context.underlyingError { reason += ": \(underlying.localizedDescription)" }
            reason += ")"
            if !context.codingPath.isEmpty { reason = "\(path(context.codingPath)): " + reason }
            return reason
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is String.Type: return "a string"
        case is [[Int]].Type: return "an array of [left, right] id pairs"
        case is [Int].Type: return "an array of integers"
        case is [String].Type: return "an array of strings"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "a JSON object" }
            return name
        }
    }
}
