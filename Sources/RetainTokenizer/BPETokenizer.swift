import Foundation

/// A byte-level BPE tokenizer.
///
/// The vocabulary is laid out as:
/// - ids `0..<256`: the raw byte values,
/// - ids `256..<256 + mergeCount`: learned merges; merge `r` (its *rank*) joins two earlier
///   tokens into id `256 + r`,
/// - the last `specialTokens.count` ids: special (control) tokens, in the order given.
///
/// Every string round-trips: `decode(encode(s)) == s`. The value is immutable and safe to use
/// from many threads at once; its chunk cache is internally locked.
public struct BPETokenizer: Sendable, Equatable {
    /// One learned merge: `left` followed by `right` becomes a new token.
    struct Merge: Hashable, Sendable {
        var left: Int32
        var right: Int32
    }

    /// The number of byte tokens at the start of every vocabulary.
    public static let byteCount = 256

    /// Merges in rank order; merge `r` creates id `256 + r`.
    let mergeList: [Merge]
    /// The special tokens, whose ids follow the merges.
    public let specialTokens: [String]
    /// Pair key (`left << 32 | right`) → rank.
    let ranks: [UInt64: Int32]
    /// The bytes every id decodes to.
    let tokenBytes: [[UInt8]]
    /// UTF-8 bytes of each special token → id (byte-exact, unlike `String` equality).
    let specialIDs: [[UInt8]: Int]
    /// Finds special tokens in text when `allowSpecial` is true.
    let specialMatcher: SpecialMatcher
    /// Per-chunk encoding cache (lock-protected, shared by copies of this value).
    let cache = ChunkCache()

    /// Builds a tokenizer from merges (in rank order, each as `(left, right)` ids) and special tokens.
    ///
    /// Throws `TokenizerError.invalidModel` if a merge references an id not defined before it or
    /// repeats an earlier pair, and `TokenizerError.invalidSpecialToken` for empty or duplicate
    /// special tokens.
    public init(merges: [(left: Int, right: Int)], specialTokens: [String]) throws {
        var list: [Merge] = []
        list.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let defined = Self.byteCount + rank
            for (side, id) in [("left", merge.left), ("right", merge.right)] where id < 0 || id >= defined {
                throw TokenizerError.invalidModel(reason:
                    "field 'merges[\(rank)]': \(side) id \(id) is not defined yet (merge \(rank) may only use ids 0..<\(defined))")
            }
            list.append(Merge(left: Int32(merge.left), right: Int32(merge.right)))
        }
        try self.init(validatedMerges: list, specialTokens: specialTokens, checkDuplicates: true)
    }

    /// Builds the derived tables. Merge ids must already be in range.
    init(validatedMerges list: [Merge], specialTokens: [String], checkDuplicates: Bool) throws {
        var specialIDs: [[UInt8]: Int] = [:]
        let firstSpecial = Self.byteCount + list.count
        for (i, token) in specialTokens.enumerated() {
            let bytes = Array(token.utf8)
            guard !bytes.isEmpty else {
                throw TokenizerError.invalidSpecialToken(token, reason: "special tokens must not be empty (specialTokens[\(i)])")
            }
            guard specialIDs[bytes] == nil else {
                throw TokenizerError.invalidSpecialToken(token, reason: "listed more than once (specialTokens[\(i)])")
            }
            specialIDs[bytes] = firstSpecial + i
        }

        var ranks: [UInt64: Int32] = [:]
        ranks.reserveCapacity(list.count)
        var tokenBytes: [[UInt8]] = (0..<Self.byteCount).map { [UInt8($0)] }
        tokenBytes.reserveCapacity(firstSpecial + specialTokens.count)
        for (rank, merge) in list.enumerated() {
            let key = Self.pairKey(merge.left, merge.right)
            if checkDuplicates, let earlier = ranks[key] {
                throw TokenizerError.invalidModel(reason:
                    "field 'merges[\(rank)]': pair [\(merge.left), \(merge.right)] repeats merges[\(earlier)]")
            }
            ranks[key] = Int32(rank)
            tokenBytes.append(tokenBytes[Int(merge.left)] + tokenBytes[Int(merge.right)])
        }
        for token in specialTokens { tokenBytes.append(Array(token.utf8)) }

        self.mergeList = list
        self.specialTokens = specialTokens
        self.ranks = ranks
        self.tokenBytes = tokenBytes
        self.specialIDs = specialIDs
        self.specialMatcher = SpecialMatcher(specialIDs)
    }

    @inline(__always)
    static func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    /// Total number of ids: 256 bytes + merges + special tokens.
    public var vocabSize: Int { tokenBytes.count }

    /// The number of learned merges.
    public var mergeCount: Int { mergeList.count }

    /// The learned merges in rank order; merge `r` creates id `256 + r`.
    public var merges: [(left: Int, right: Int)] {
        mergeList.map { (Int($0.left), Int($0.right)) }
    }

    /// The id of a special token, or nil if this tokenizer does not define it.
    public func id(ofSpecial token: String) -> Int? {
        specialIDs[Array(token.utf8)]
    }

    /// True if `id` is one of the special-token ids.
    public func isSpecial(_ id: Int) -> Bool {
        id >= Self.byteCount + mergeList.count && id < tokenBytes.count
    }

    /// A human-readable form of one token for debugging: the text it decodes to when that is
    /// valid UTF-8, otherwise its bytes as `<0xHH>`. Nil for ids outside the vocabulary.
    public func tokenString(_ id: Int) -> String? {
        guard id >= 0, id < tokenBytes.count else { return nil }
        let bytes = tokenBytes[id]
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return bytes.map { "<0x" + String($0, radix: 16, uppercase: true).leftPadded(to: 2) + ">" }.joined()
    }

    /// The bytes the ids decode to. Throws `TokenizerError.unknownTokenID` for an id outside the vocabulary.
    public func decodeBytes(_ ids: [Int]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        for id in ids {
            guard id >= 0, id < tokenBytes.count else { throw TokenizerError.unknownTokenID(id) }
            out.append(contentsOf: tokenBytes[id])
        }
        return out
    }

    /// The text the ids decode to; a multi-byte character cut by the id sequence becomes U+FFFD.
    /// Throws `TokenizerError.unknownTokenID` for an id outside the vocabulary.
    public func decode(_ ids: [Int]) throws -> String {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }

    /// Two tokenizers are equal when they have the same merges and special tokens.
    public static func == (lhs: BPETokenizer, rhs: BPETokenizer) -> Bool {
        lhs.mergeList == rhs.mergeList && lhs.specialTokens.map { Array($0.utf8) } == rhs.specialTokens.map { Array($0.utf8) }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
