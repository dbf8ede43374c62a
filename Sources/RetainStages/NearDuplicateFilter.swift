import RetainCore

/// Exact and near-duplicate removal for short texts.
///
/// Texts are normalised (lower-cased, split into runs of letters and digits). Two texts are exact
/// duplicates when their normalised word sequences are equal, and near duplicates when the Jaccard
/// similarity of their word-trigram sets is at least `threshold` (texts under three words use the
/// whole word sequence as their one shingle, so they only match exactly).
///
/// Candidates come from MinHash with LSH banding (20 bands × 5 rows: pairs at Jaccard 0.8 collide
/// with probability 0.9996, at 0.5 with 0.47), and every candidate is confirmed with the exact
/// Jaccard, so the filter never drops a pair below the threshold. The first occurrence is kept.
public struct NearDuplicateFilter: Sendable {
    public enum Verdict: Equatable, Sendable {
        case keep
        /// Same normalised words as the kept text at this index.
        case exactDuplicate(of: Int)
        /// Trigram Jaccard at or above the threshold with the kept text at this index.
        case nearDuplicate(of: Int, jaccard: Double)
    }

    public let threshold: Double
    static let bands = 20, rows = 5

    public init(threshold: Double) { self.threshold = threshold }

    /// One verdict per text, in order; indices in verdicts refer to `texts`.
    public func verdicts(_ texts: [String]) -> [Verdict] {
        var verdicts: [Verdict] = []
        verdicts.reserveCapacity(texts.count)
        var exact: [[String]: Int] = [:]
        var shingles: [Set<UInt64>] = []
        var keptIndex: [Int] = []                // shingle slot -> text index
        var buckets: [[UInt64: [Int]]] = Array(repeating: [:], count: Self.bands)
        let seeds = (0..<(Self.bands * Self.rows)).map { StageSeed.derive(0, "minhash", $0) }

        for (i, text) in texts.enumerated() {
            let words = Self.words(text)
            if let first = exact[words] { verdicts.append(.exactDuplicate(of: first)); continue }
            let set = Self.shingles(words)
            let signature = seeds.map { s in set.map { StageSeed.splitMix($0 ^ s) }.min() ?? 0 }
            let bandKeys = (0..<Self.bands).map { b in
                ContentHash.fnv1a64(bytes: signature[(b * Self.rows)..<((b + 1) * Self.rows)].flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) })
            }
            var candidates = Set<Int>()
            if threshold < 1 {
                for b in 0..<Self.bands { candidates.formUnion(buckets[b][bandKeys[b]] ?? []) }
            }
            var best: (slot: Int, jaccard: Double)? = nil
            for slot in candidates.sorted() {
                let j = Self.jaccard(set, shingles[slot])
                if j >= threshold, best == nil || j > best!.jaccard { best = (slot, j) }
            }
            if let best {
                verdicts.append(.nearDuplicate(of: keptIndex[best.slot], jaccard: best.jaccard))
                continue
            }
            exact[words] = i
            let slot = shingles.count
            shingles.append(set)
            keptIndex.append(i)
            for b in 0..<Self.bands { buckets[b][bandKeys[b], default: []].append(slot) }
            verdicts.append(.keep)
        }
        return verdicts
    }

    /// Lower-cased runs of letters and digits.
    public static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    static func shingles(_ words: [String]) -> Set<UInt64> {
        guard words.count >= 3 else { return [ContentHash.fnv1a64(words.joined(separator: " "))] }
        return Set((0...(words.count - 3)).map { ContentHash.fnv1a64(words[$0..<($0 + 3)].joined(separator: " ")) })
    }

    public static func jaccard(_ a: Set<UInt64>, _ b: Set<UInt64>) -> Double {
        let inter = a.intersection(b).count
        let union = a.count + b.count - inter
        return union == 0 ? 1 : Double(inter) / Double(union)
    }

    /// Word-trigram Jaccard similarity of two texts.
    public static func similarity(_ a: String, _ b: String) -> Double {
        jaccard(shingles(words(a)), shingles(words(b)))
    }
}
