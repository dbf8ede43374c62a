import Foundation

extension BPETokenizer {
    /// Encodes text to token ids.
    ///
    /// The text is split by `PreTokenizer` and each chunk's bytes are merged by rank (lowest rank
    /// first, leftmost first among equal ranks), as in GPT-2.
    ///
    /// - Parameter allowSpecial: when true, exact occurrences of special-token strings become
    ///   their special ids (leftmost, longest match first). When false (the default, and the only
    ///   safe choice for untrusted text) they are encoded as ordinary bytes, so text can never
    ///   inject a control token.
    public func encode(_ text: String, allowSpecial: Bool = false) -> [Int] {
        var text = text
        var out: [Int] = []
        text.withUTF8 { buf in
            out.reserveCapacity(buf.count / 3 + 1)
            if allowSpecial && !specialMatcher.isEmpty {
                specialMatcher.forEachSegment(buf) { range, special in
                    if let special {
                        out.append(special)
                    } else {
                        encodeOrdinary(UnsafeBufferPointer(rebasing: buf[range]), into: &out)
                    }
                }
            } else {
                encodeOrdinary(buf, into: &out)
            }
        }
        return out
    }

    /// Encodes text that contains no special tokens (they are treated as plain bytes).
    func encodeOrdinary(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [Int]) {
        PreTokenizer.forEachChunk(buf) { range in
            if range.count == 1 {
                out.append(Int(buf[range.lowerBound]))
                return
            }
            let chunk = UnsafeBufferPointer(rebasing: buf[range])
            if range.count > ChunkCache.maxKeyLength {
                for id in mergeChunk(chunk) { out.append(Int(id)) }
                return
            }
            let key = Array(chunk)
            if let cached = cache.lookup(key) {
                for id in cached { out.append(Int(id)) }
                return
            }
            let ids = mergeChunk(chunk)
            cache.store(key, ids)
            for id in ids { out.append(Int(id)) }
        }
    }

    /// Applies the merges to one chunk's bytes.
    func mergeChunk(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int32] {
        bytes.count <= 32 ? mergeChunkSimple(bytes) : mergeChunkHeap(bytes)
    }

    /// Quadratic merge loop: repeatedly merges every occurrence of the lowest-ranked pair.
    /// Fastest for short chunks.
    func mergeChunkSimple(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int32] {
        var tokens = bytes.map { Int32($0) }
        let base = Int32(Self.byteCount)
        while tokens.count > 1 {
            var bestRank = Int32.max
            for j in 0..<(tokens.count - 1) {
                if let r = ranks[Self.pairKey(tokens[j], tokens[j + 1])], r < bestRank { bestRank = r }
            }
            if bestRank == Int32.max { break }
            let merge = mergeList[Int(bestRank)]
            var merged: [Int32] = []
            merged.reserveCapacity(tokens.count - 1)
            var j = 0
            while j < tokens.count {
                if j + 1 < tokens.count, tokens[j] == merge.left, tokens[j + 1] == merge.right {
                    merged.append(base + bestRank)
                    j += 2
                } else {
                    merged.append(tokens[j])
                    j += 1
                }
            }
            tokens = merged
        }
        return tokens
    }

    private struct Candidate: HeapElement {
        var rank: Int32
        var position: Int32
        var left: Int32
        var right: Int32
        static func precedes(_ a: Candidate, _ b: Candidate) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.position < b.position
        }
    }

    /// O(n log n) merge with a linked list and a priority queue; same result as
    /// `mergeChunkSimple` (lowest rank first, leftmost first), used for long chunks.
    func mergeChunkHeap(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int32] {
        let n = bytes.count
        var tokens = bytes.map { Int32($0) }
        var prev = (0..<n).map { Int32($0) - 1 }
        var next = (0..<n).map { $0 + 1 < n ? Int32($0 + 1) : -1 }
        var alive = [Bool](repeating: true, count: n)
        var initial: [Candidate] = []
        for j in 0..<(n - 1) {
            if let r = ranks[Self.pairKey(tokens[j], tokens[j + 1])] {
                initial.append(Candidate(rank: r, position: Int32(j), left: tokens[j], right: tokens[j + 1]))
            }
        }
        var heap = Heap(initial)
        let base = Int32(Self.byteCount)
        while let c = heap.pop() {
            let p = Int(c.position)
            guard alive[p], tokens[p] == c.left else { continue }
            let q = Int(next[p])
            guard q >= 0, tokens[q] == c.right else { continue }
            // Merge q into p.
            tokens[p] = base + c.rank
            alive[q] = false
            let after = next[q]
            next[p] = after
            if after >= 0 { prev[Int(after)] = Int32(p) }
            let before = prev[p]
            if before >= 0, let r = ranks[Self.pairKey(tokens[Int(before)], tokens[p])] {
                heap.push(Candidate(rank: r, position: before, left: tokens[Int(before)], right: tokens[p]))
            }
            if after >= 0, let r = ranks[Self.pairKey(tokens[p], tokens[Int(after)])] {
                heap.push(Candidate(rank: r, position: Int32(p), left: tokens[p], right: tokens[Int(after)]))
            }
        }
        var out: [Int32] = []
        var j = 0
        while j >= 0 && j < n {
            out.append(tokens[j])
            j = Int(next[j])
        }
        return out
    }
}

/// Finds exact occurrences of special-token strings in UTF-8 text.
struct SpecialMatcher: Sendable {
    /// Special tokens, longest first so the longest match wins.
    private let tokens: [(bytes: [UInt8], id: Int)]
    /// Which bytes can start a special token.
    private let firstByte: [Bool]

    init(_ specialIDs: [[UInt8]: Int]) {
        tokens = specialIDs.map { ($0.key, $0.value) }.sorted {
            $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id
        }
        var first = [Bool](repeating: false, count: 256)
        for t in tokens { first[Int(t.bytes[0])] = true }
        firstByte = first
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Calls `body` for each plain-text segment (`special == nil`) and each special token
    /// occurrence (`special == id`), in order. Empty plain segments are skipped.
    func forEachSegment(_ buf: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, Int?) -> Void) {
        let n = buf.count
        var segmentStart = 0
        var i = 0
        outer: while i < n {
            if firstByte[Int(buf[i])] {
                for t in tokens where t.bytes.count <= n - i {
                    var k = 0
                    while k < t.bytes.count && buf[i + k] == t.bytes[k] { k += 1 }
                    if k == t.bytes.count {
                        if segmentStart < i { body(segmentStart..<i, nil) }
                        body(i..<(i + k), t.id)
                        i += k
                        segmentStart = i
                        continue outer
                    }
                }
            }
            i += 1
        }
        if segmentStart < n { body(segmentStart..<n, nil) }
    }
}

/// A lock-protected cache from chunk bytes to merged ids, shared by copies of a tokenizer.
final class ChunkCache: @unchecked Sendable {
    /// Longer chunks are rare and are not cached.
    static let maxKeyLength = 64
    /// The cache is cleared when it grows past this many entries.
    static let capacity = 1 << 16

    private let lock = NSLock()
    private var table: [[UInt8]: [Int32]] = [:]

    func lookup(_ key: [UInt8]) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        return table[key]
    }

    func store(_ key: [UInt8], _ ids: [Int32]) {
        lock.lock()
        defer { lock.unlock() }
        if table.count >= Self.capacity { table.removeAll(keepingCapacity: true) }
        table[key] = ids
    }
}
