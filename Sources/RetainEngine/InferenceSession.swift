import Foundation

/// Incremental inference with a key/value cache over a fixed number of sequence slots.
///
/// `forward` takes a ragged batch, any number of new tokens for any set of slots, so prefill and
/// one-token decode steps share one code path, and continuations can fork a shared context.
public final class InferenceSession {
    public let model: LlamaModel
    public let slotCount: Int
    /// Tokens already in each slot's cache.
    public private(set) var lengths: [Int]
    /// Keys are stored transposed, [L, slots, K, D, maxT], so a query's scores over eight cached
    /// positions are D fused multiply-adds on whole vectors; values stay [L, slots, K, maxT, D].
    private let kCache: FloatBuffer
    private let vCache: FloatBuffer
    private var scratch: Scratch?

    public init(model: LlamaModel, slots: Int) {
        let c = model.config
        self.model = model
        slotCount = slots
        lengths = [Int](repeating: 0, count: slots)
        let n = c.nLayers * slots * c.nKVHeads * c.maxSeqLen * c.headDim
        (kCache, vCache) = KVCachePool.take(count: n)
    }

    deinit { KVCachePool.give(kCache, vCache) }

    /// Empties a slot.
    public func reset(slot: Int) { lengths[slot] = 0 }
    public func resetAll() { for i in lengths.indices { lengths[i] = 0 } }

    /// Copies each source slot's cached positions into its destination slot (e.g. a shared
    /// multiple-choice context into one slot per choice), so the context is computed once; the
    /// pairs are spread over the engine's threads. Destinations must be distinct and must not be
    /// sources.
    public func fork(_ pairs: [(source: Int, destination: Int)]) {
        for p in pairs { precondition(p.source != p.destination, "fork onto its own slot") }
        pairs.withUnsafeBufferPointer { list in
            parallelChunks(list.count) { _, range in
                for i in range { copyCache(from: list[i].source, to: list[i].destination, count: lengths[list[i].source]) }
            }
        }
        for p in pairs { lengths[p.destination] = lengths[p.source] }
    }

    private func copyCache(from source: Int, to destination: Int, count n: Int) {
        let c = model.config
        for l in 0..<c.nLayers {
            for h in 0..<c.nKVHeads {
                let src = cacheOffset(layer: l, slot: source, head: h, position: 0)
                let dst = cacheOffset(layer: l, slot: destination, head: h, position: 0)
                for d in 0..<c.headDim {
                    (kCache.pointer + dst + d * c.maxSeqLen).update(from: kCache.pointer + src + d * c.maxSeqLen, count: n)
                }
                (vCache.pointer + dst).update(from: vCache.pointer + src, count: n * c.headDim)
            }
        }
    }

    /// Offset of (layer, slot, head, position) in the value cache; in the transposed key cache,
    /// the same offset with position 0 is where that head's D rows of maxT positions start.
    @inline(__always)
    private func cacheOffset(layer: Int, slot: Int, head: Int, position: Int) -> Int {
        let c = model.config
        return (((layer * slotCount + slot) * c.nKVHeads + head) * c.maxSeqLen + position) * c.headDim
    }

    /// Which rows of a ragged batch need logits.
    public enum LogitRows { case last, all }

    /// Appends `tokens` to each named slot and returns logits: one row per chunk (`.last`) or one
    /// row per token (`.all`), chunk by chunk, each row `vocabSize` wide.
    public func forward(_ chunks: [(slot: Int, tokens: [Int32])], logits which: LogitRows) throws -> [Float] {
        let c = model.config
        var rowSlot: [Int] = [], rowPos: [Int32] = [], tokens: [Int32] = []
        var seen = Set<Int>()
        for (slot, toks) in chunks {
            guard slot >= 0 && slot < slotCount else { throw EngineError.invalidArgument("slot \(slot) outside 0..<\(slotCount)") }
            guard seen.insert(slot).inserted else { throw EngineError.invalidArgument("slot \(slot) appears twice in one forward") }
            guard !toks.isEmpty else { throw EngineError.invalidArgument("empty chunk for slot \(slot)") }
            let end = lengths[slot] + toks.count
            if end > c.maxSeqLen { throw EngineError.sequenceTooLong(length: end, maxSeqLen: c.maxSeqLen) }
            for (i, t) in toks.enumerated() {
                if t < 0 || Int(t) >= c.vocabSize { throw EngineError.tokenOutOfRange(token: Int(t), vocabSize: c.vocabSize, position: i) }
                rowSlot.append(slot); rowPos.append(Int32(lengths[slot] + i)); tokens.append(t)
            }
        }
        let R = tokens.count
        if R == 0 { return [] }
        let s = scratchFor(rows: R)
        let C = c.dModel, F = c.ffnHidden, D = c.headDim, H = c.nHeads, K = c.nKVHeads
        let QKV = (H + 2 * K) * D
        let P = UnsafePointer(model.parameters.pointer)
        let layout = model.layout
        tokens.withUnsafeBufferPointer { embeddingForward(s.x, P + layout.embedding, $0.baseAddress!, rows: R, dim: C) }
        for (l, blk) in layout.blocks.enumerated() {
            rmsnormForward(s.h, s.rstd, s.x, P + blk.attnNorm, rows: R, dim: C, eps: c.normEps)
            matmulForward(s.qkv, s.h, P + blk.wqkv, rows: R, inDim: C, outDim: QKV)
            rowPos.withUnsafeBufferPointer {
                model.rope.apply(s.qkv, rows: R, stride: QKV, heads: H + K, positions: $0.baseAddress!, inverse: false)
            }
            // Write this chunk's keys and values into the cache (rows are distinct positions).
            let kc = kCache.pointer, vc = vCache.pointer, maxT = c.maxSeqLen
            rowSlot.withUnsafeBufferPointer { slots in
                rowPos.withUnsafeBufferPointer { pos in
                    parallelChunks(R, minPerChunk: 64) { _, range in
                        for r in range {
                            for h in 0..<K {
                                let p = Int(pos[r])
                                let head = cacheOffset(layer: l, slot: slots[r], head: h, position: 0)
                                let key = s.qkv + r * QKV + (H + h) * D
                                for d in 0..<D { kc[head + d * maxT + p] = key[d] }
                                (vc + head + p * D).update(from: s.qkv + r * QKV + (H + K + h) * D, count: D)
                            }
                        }
                    }
                }
            }
            cachedAttention(layer: l, rows: R, rowSlot: rowSlot, rowPos: rowPos, s: s)
            matmulForward(s.x, s.att, P + blk.wo, rows: R, inDim: C, outDim: C, accumulate: true)
            rmsnormForward(s.h, s.rstd, s.x, P + blk.mlpNorm, rows: R, dim: C, eps: c.normEps)
            matmulForward(s.gu, s.h, P + blk.wGateUp, rows: R, inDim: C, outDim: 2 * F)
            swigluForward(s.act, s.gu, rows: R, hidden: F)
            matmulForward(s.x, s.act, P + blk.wDown, rows: R, inDim: F, outDim: C, accumulate: true)
        }
        for (slot, toks) in chunks { lengths[slot] += toks.count }
        // Only the rows that need logits go through the final norm and the head.
        var selected: [Int] = []
        switch which {
        case .all: selected = Array(0..<R)
        case .last:
            var end = 0
            for (_, toks) in chunks { end += toks.count; selected.append(end - 1) }
        }
        for (i, r) in selected.enumerated() where i != r { (s.x + i * C).update(from: s.x + r * C, count: C) }
        let n = selected.count
        rmsnormForward(s.h, s.rstd, s.x, P + layout.finalNorm, rows: n, dim: C, eps: c.normEps)
        // The head writes every element, so the array is not zero-filled first.
        return [Float](unsafeUninitializedCapacity: n * c.vocabSize) { buffer, initialized in
            matmulForward(buffer.baseAddress!, s.h, P + layout.lmHead, rows: n, inDim: C, outDim: c.vocabSize)
            initialized = n * c.vocabSize
        }
    }

    /// att[r] = softmax(q_r · K[slot, 0...pos] · scale) V[slot, 0...pos], per query head.
    ///
    /// Scores are computed eight positions at a time from the transposed keys, and the softmax
    /// and the weighted sum of values run on whole 8-lane vectors when D is a multiple of 8.
    private func cachedAttention(layer l: Int, rows R: Int, rowSlot: [Int], rowPos: [Int32], s: Scratch) {
        let c = model.config
        let D = c.headDim, H = c.nHeads, K = c.nKVHeads, group = H / K
        let QKV = (H + 2 * K) * D, scale = 1 / Float(D).squareRoot()
        let kc = kCache.pointer, vc = vCache.pointer, maxT = c.maxSeqLen
        let vectorValues = D % 8 == 0
        rowSlot.withUnsafeBufferPointer { slots in
            rowPos.withUnsafeBufferPointer { pos in
                parallelChunks(R * H) { _, range in
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: maxT)
                    defer { scores.deallocate() }
                    for item in range {
                        let r = item / H, h = item % H, kvh = h / group
                        let n = Int(pos[r]) + 1
                        let q = s.qkv + r * QKV + h * D
                        let head = cacheOffset(layer: l, slot: slots[r], head: kvh, position: 0)
                        let kt = UnsafePointer(kc + head), v = UnsafePointer(vc + head)
                        // Whole vectors of eight positions while they stay inside the key row (four
                        // at a time, as independent FMA chains); lanes past n read other cached
                        // positions and are masked by the softmax.
                        var j = 0
                        while j + 32 <= maxT && j + 24 < n {
                            var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
                            for d in 0..<D {
                                let qd = SIMD8<Float>(repeating: q[d]), row = kt + d * maxT + j
                                a0 = a0.addingProduct(qd, load8(row))
                                a1 = a1.addingProduct(qd, load8(row + 8))
                                a2 = a2.addingProduct(qd, load8(row + 16))
                                a3 = a3.addingProduct(qd, load8(row + 24))
                            }
                            store8(scores + j, a0 * scale); store8(scores + j + 8, a1 * scale)
                            store8(scores + j + 16, a2 * scale); store8(scores + j + 24, a3 * scale)
                            j += 32
                        }
                        while j + 8 <= maxT && j < n {
                            var acc = SIMD8<Float>(repeating: 0)
                            for d in 0..<D {
                                acc = acc.addingProduct(SIMD8(repeating: q[d]), load8(kt + d * maxT + j))
                            }
                            store8(scores + j, acc * scale)
                            j += 8
                        }
                        while j < n {
                            var dot: Float = 0
                            for d in 0..<D { dot += q[d] * kt[d * maxT + j] }
                            scores[j] = dot * scale
                            j += 1
                        }
                        _ = softmaxRowPadded(scores, n, rowLength: maxT)
                        let o = s.att + r * c.dModel + h * D
                        if vectorValues {
                            var d = 0
                            while d < D {
                                // Four independent accumulators over positions, summed at the end.
                                var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
                                var j = 0
                                while j + 4 <= n {
                                    let row = v + j * D + d
                                    a0 = a0.addingProduct(SIMD8(repeating: scores[j]), load8(row))
                                    a1 = a1.addingProduct(SIMD8(repeating: scores[j + 1]), load8(row + D))
                                    a2 = a2.addingProduct(SIMD8(repeating: scores[j + 2]), load8(row + 2 * D))
                                    a3 = a3.addingProduct(SIMD8(repeating: scores[j + 3]), load8(row + 3 * D))
                                    j += 4
                                }
                                while j < n { a0 = a0.addingProduct(SIMD8(repeating: scores[j]), load8(v + j * D + d)); j += 1 }
                                store8(o + d, (a0 + a1) + (a2 + a3))
                                d += 8
                            }
                        } else {
                            for d in 0..<D { o[d] = 0 }
                            for j in 0..<n {
                                let pj = scores[j], vj = v + j * D
                                for d in 0..<D { o[d] += pj * vj[d] }
                            }
                        }
                    }
                }
            }
        }
    }

    private final class Scratch {
        let rows: Int
        let storage: FloatBuffer
        let x, h, rstd, qkv, att, gu, act: UnsafeMutablePointer<Float>
        init(config c: ModelConfig, rows R: Int) {
            rows = R
            let QKV = (c.nHeads + 2 * c.nKVHeads) * c.headDim
            storage = FloatBuffer(count: R * (3 * c.dModel + 1 + QKV + 3 * c.ffnHidden))
            var p = storage.pointer
            func take(_ n: Int) -> UnsafeMutablePointer<Float> { defer { p += n }; return p }
            x = take(R * c.dModel); h = take(R * c.dModel); rstd = take(R); qkv = take(R * QKV)
            att = take(R * c.dModel); gu = take(R * 2 * c.ffnHidden); act = take(R * c.ffnHidden)
        }
    }

    private func scratchFor(rows: Int) -> Scratch {
        if let s = scratch, s.rows >= rows { return s }
        let s = Scratch(config: model.config, rows: max(rows, 64))
        scratch = s
        return s
    }
}

/// Recycles the key/value caches of finished sessions: a session's cache is tens of megabytes,
/// and evaluation opens one per call, so allocating (and zeroing, and faulting in) a fresh one
/// each time cost about 3% of inference. Stale contents are harmless: attention reads positions
/// past a slot's length only in lanes the softmax masks.
enum KVCachePool {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var spare: [(FloatBuffer, FloatBuffer)] = []

    static func take(count: Int) -> (FloatBuffer, FloatBuffer) {
        lock.lock()
        defer { lock.unlock() }
        if let i = spare.firstIndex(where: { $0.0.count == count }) { return spare.remove(at: i) }
        return (FloatBuffer(count: count), FloatBuffer(count: count))
    }

    /// Keeps at most two pairs (a generation and a log-likelihood size), the most recent first.
    static func give(_ k: FloatBuffer, _ v: FloatBuffer) {
        lock.lock()
        defer { lock.unlock() }
        spare.insert((k, v), at: 0)
        if spare.count > 2 { spare.removeLast() }
    }
}
