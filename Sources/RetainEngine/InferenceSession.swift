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
    private let kCache: FloatBuffer   // [L, slots, K, maxT, D]
    private let vCache: FloatBuffer
    private var scratch: Scratch?

    public init(model: LlamaModel, slots: Int) {
        let c = model.config
        self.model = model
        slotCount = slots
        lengths = [Int](repeating: 0, count: slots)
        let n = c.nLayers * slots * c.nKVHeads * c.maxSeqLen * c.headDim
        kCache = FloatBuffer(count: n)
        vCache = FloatBuffer(count: n)
    }

    /// Empties a slot.
    public func reset(slot: Int) { lengths[slot] = 0 }
    public func resetAll() { for i in lengths.indices { lengths[i] = 0 } }

    /// Copies the first `length` cached positions of `source` into `destination` (e.g. a shared
    /// multiple-choice context), so the context is computed once.
    public func fork(from source: Int, to destination: Int, length: Int? = nil) {
        let c = model.config
        let n = length ?? lengths[source]
        precondition(n <= lengths[source], "fork beyond the source slot's length")
        for l in 0..<c.nLayers {
            for h in 0..<c.nKVHeads {
                let src = cacheOffset(layer: l, slot: source, head: h, position: 0)
                let dst = cacheOffset(layer: l, slot: destination, head: h, position: 0)
                (kCache.pointer + dst).update(from: kCache.pointer + src, count: n * c.headDim)
                (vCache.pointer + dst).update(from: vCache.pointer + src, count: n * c.headDim)
            }
        }
        lengths[destination] = n
    }

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
            // Write this chunk's keys and values into the cache.
            for r in 0..<R {
                for h in 0..<K {
                    let off = cacheOffset(layer: l, slot: rowSlot[r], head: h, position: Int(rowPos[r]))
                    (kCache.pointer + off).update(from: s.qkv + r * QKV + (H + h) * D, count: D)
                    (vCache.pointer + off).update(from: s.qkv + r * QKV + (H + K + h) * D, count: D)
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
        var out = [Float](repeating: 0, count: n * c.vocabSize)
        out.withUnsafeMutableBufferPointer {
            matmulForward($0.baseAddress!, s.h, P + layout.lmHead, rows: n, inDim: C, outDim: c.vocabSize)
        }
        return out
    }

    /// att[r] = softmax(q_r · K[slot, 0...pos] · scale) V[slot, 0...pos], per query head.
    private func cachedAttention(layer l: Int, rows R: Int, rowSlot: [Int], rowPos: [Int32], s: Scratch) {
        let c = model.config
        let D = c.headDim, H = c.nHeads, K = c.nKVHeads, group = H / K
        let QKV = (H + 2 * K) * D, scale = 1 / Float(D).squareRoot()
        let kc = kCache.pointer, vc = vCache.pointer, maxT = c.maxSeqLen
        rowSlot.withUnsafeBufferPointer { slots in
            rowPos.withUnsafeBufferPointer { pos in
                parallelChunks(R * H) { _, range in
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: maxT)
                    defer { scores.deallocate() }
                    for item in range {
                        let r = item / H, h = item % H, kvh = h / group
                        let n = Int(pos[r]) + 1
                        let q = s.qkv + r * QKV + h * D
                        let base = (((l * slotCount + slots[r]) * K + kvh) * maxT) * D
                        for j in 0..<n { scores[j] = dotProduct(q, kc + base + j * D, D) * scale }
                        softmaxInPlace(scores, n)
                        let o = s.att + r * c.dModel + h * D
                        for d in 0..<D { o[d] = 0 }
                        for j in 0..<n {
                            let pj = scores[j], v = vc + base + j * D
                            for d in 0..<D { o[d] += pj * v[d] }
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
