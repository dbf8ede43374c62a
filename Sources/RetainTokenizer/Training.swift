extension BPETokenizer {
    /// Learns a byte-level BPE vocabulary from a corpus.
    ///
    /// The corpus is split by `PreTokenizer`; exact occurrences of the special-token strings are
    /// cut out first so no merge learns them. Training runs on the unique chunks weighted by
    /// their counts, and pair counts are updated incrementally after each merge. At every step
    /// the most frequent adjacent pair is merged, ties going to the smallest `(left, right)` ids,
    /// so the result depends only on the corpus.
    ///
    /// - Parameters:
    ///   - vocabSize: the target size, `256 + merges + specialTokens.count`. Training stops early
    ///     when no pair occurs at least twice, giving a smaller vocabulary.
    ///   - specialTokens: appended after the merges, in this order.
    /// - Throws: `TokenizerError.invalidVocabSize` if `vocabSize < 256 + specialTokens.count`,
    ///   `TokenizerError.invalidSpecialToken` for empty or duplicate specials.
    public static func train(corpus: some Sequence<String>, vocabSize: Int, specialTokens: [String]) throws -> BPETokenizer {
        // Validates the specials before doing any work.
        _ = try BPETokenizer(validatedMerges: [], specialTokens: specialTokens, checkDuplicates: false)
        let minimum = byteCount + specialTokens.count
        guard vocabSize >= minimum else {
            throw TokenizerError.invalidVocabSize(requested: vocabSize, minimum: minimum)
        }
        let maxMerges = vocabSize - minimum
        var trainer = Trainer(chunkCounts: countChunks(corpus, specialTokens: specialTokens))
        let merges = trainer.learn(maxMerges: maxMerges)
        return try BPETokenizer(validatedMerges: merges, specialTokens: specialTokens, checkDuplicates: false)
    }

    /// Counts the pre-token chunks of the corpus, skipping special-token strings.
    static func countChunks(_ corpus: some Sequence<String>, specialTokens: [String]) -> [[UInt8]: Int] {
        var ids: [[UInt8]: Int] = [:]
        for (i, token) in specialTokens.enumerated() { ids[Array(token.utf8)] = i }
        let matcher = SpecialMatcher(ids)
        var counts: [[UInt8]: Int] = [:]
        for var text in corpus {
            text.withUTF8 { buf in
                let countSegment = { (segment: UnsafeBufferPointer<UInt8>) in
                    PreTokenizer.forEachChunk(segment) { range in
                        counts[Array(UnsafeBufferPointer(rebasing: segment[range])), default: 0] += 1
                    }
                }
                if matcher.isEmpty {
                    countSegment(buf)
                } else {
                    matcher.forEachSegment(buf) { range, special in
                        if special == nil { countSegment(UnsafeBufferPointer(rebasing: buf[range])) }
                    }
                }
            }
        }
        return counts
    }
}

/// Incremental BPE trainer over unique chunks ("words") weighted by frequency.
struct Trainer {
    private struct Candidate: HeapElement {
        var count: Int
        var key: UInt64
        /// Highest count first; ties go to the smallest pair (left id, then right id).
        static func precedes(_ a: Candidate, _ b: Candidate) -> Bool {
            a.count != b.count ? a.count > b.count : a.key < b.key
        }
    }

    private var words: [[Int32]]
    private var frequencies: [Int]
    private var pairCounts: [UInt64: Int] = [:]
    /// Pair → indices of words that may contain it (may hold stale entries and repeats).
    private var occurrences: [UInt64: [Int32]] = [:]
    private var heap = Heap<Candidate>()

    init(chunkCounts: [[UInt8]: Int]) {
        // Sorted so the internal state, not just the result, is reproducible.
        let sorted = chunkCounts.filter { $0.key.count > 1 }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        words = sorted.map { $0.key.map { Int32($0) } }
        frequencies = sorted.map { $0.value }
        for (w, word) in words.enumerated() {
            let f = frequencies[w]
            for j in 0..<(word.count - 1) {
                let key = BPETokenizer.pairKey(word[j], word[j + 1])
                pairCounts[key, default: 0] += f
                occurrences[key, default: []].append(Int32(w))
            }
        }
        heap = Heap(pairCounts.map { Candidate(count: $0.value, key: $0.key) })
    }

    /// Runs up to `maxMerges` merge steps and returns the merges in rank order.
    mutating func learn(maxMerges: Int) -> [BPETokenizer.Merge] {
        var merges: [BPETokenizer.Merge] = []
        var lastVisit = [Int32](repeating: -1, count: words.count)
        while merges.count < maxMerges {
            guard let best = popBest(), best.count >= 2 else { break }
            let left = Int32(truncatingIfNeeded: best.key >> 32)
            let right = Int32(truncatingIfNeeded: best.key & 0xFFFF_FFFF)
            let newID = Int32(BPETokenizer.byteCount + merges.count)
            let stamp = Int32(merges.count)
            merges.append(.init(left: left, right: right))

            var delta: [UInt64: Int] = [:]
            for w in occurrences.removeValue(forKey: best.key) ?? [] {
                let wi = Int(w)
                if lastVisit[wi] == stamp { continue }
                lastVisit[wi] = stamp
                let word = words[wi]
                var merged: [Int32] = []
                merged.reserveCapacity(word.count)
                var j = 0
                while j < word.count {
                    if j + 1 < word.count, word[j] == left, word[j + 1] == right {
                        merged.append(newID)
                        j += 2
                    } else {
                        merged.append(word[j])
                        j += 1
                    }
                }
                if merged.count == word.count { continue } // stale entry
                let f = frequencies[wi]
                for k in 0..<(word.count - 1) {
                    delta[BPETokenizer.pairKey(word[k], word[k + 1]), default: 0] -= f
                }
                for k in 0..<(merged.count - 1) {
                    let key = BPETokenizer.pairKey(merged[k], merged[k + 1])
                    delta[key, default: 0] += f
                    if merged[k] == newID || merged[k + 1] == newID {
                        occurrences[key, default: []].append(w)
                    }
                }
                words[wi] = merged
            }
            for (key, d) in delta where d != 0 {
                let updated = (pairCounts[key] ?? 0) + d
                if updated > 0 {
                    pairCounts[key] = updated
                    heap.push(Candidate(count: updated, key: key))
                } else {
                    pairCounts[key] = nil
                    occurrences[key] = nil
                }
            }
        }
        return merges
    }

    /// Pops the best pair whose heap entry still matches its current count.
    private mutating func popBest() -> Candidate? {
        while let c = heap.pop() {
            if pairCounts[c.key] == c.count { return c }
        }
        return nil
    }
}
