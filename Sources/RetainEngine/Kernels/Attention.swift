import Foundation

/// Shapes of causal grouped-query attention over a [B, T] batch.
/// qkv rows hold q (H·D), then k (K·D), then v (K·D); query head h reads kv head h / (H/K).
struct AttentionShape {
    let B: Int, T: Int, H: Int, K: Int, D: Int
    var qkvStride: Int { (H + 2 * K) * D }
    var outStride: Int { H * D }
    var groupSize: Int { H / K }
    var scale: Float { 1 / Float(D).squareRoot() }
    var probsCount: Int { B * H * T * T }
}

/// Query rows per block of the block-causal products: a block of rows only multiplies the keys up
/// to its last row (at T = 128, two blocks do 75% of the full square's work). Measured on oneDNN,
/// fwd+bwd per layer at head width 16 / 32: 6.6 / 8.3 ms with 64-row blocks, 7.2 / 9.2 with 32,
/// 8.9 / 11.5 with 16, 6.7 / 8.8 unblocked.
let attentionBlock = 64

/// out[B·T, H·D] = softmax(q kᵀ · scale, causal) v, storing the probabilities in probs[B, H, T, T]
/// (entries above the diagonal within the computed blocks are zero; the rest are never read).
///
/// Each (batch, kv-head) item runs its small GEMMs single-threaded (`sgemm`, on the current
/// `GemmBackend`), and the items are spread over the engine's threads.
func attentionForward(_ out: UnsafeMutablePointer<Float>, _ probs: UnsafeMutablePointer<Float>,
                      _ qkv: UnsafePointer<Float>, _ s: AttentionShape) {
    let (T, H, K, D) = (s.T, s.H, s.K, s.D)
    parallelChunks(s.B * K) { _, range in
        for item in range {
            let b = item / K, kvh = item % K
            let base = qkv + b * T * s.qkvStride
            let k = base + (H + kvh) * D, v = base + (H + K + kvh) * D
            for h in kvh * s.groupSize..<(kvh + 1) * s.groupSize {
                let q = base + h * D
                let p = probs + (b * H + h) * T * T
                let o = out + b * T * s.outStride + h * D
                for r0 in Swift.stride(from: 0, to: T, by: attentionBlock) {
                    let rows = min(attentionBlock, T - r0), cols = r0 + rows
                    // p[r0..<r0+rows, 0..<cols] = q kᵀ · scale, then a causal softmax per row.
                    sgemm(transA: false, transB: true, rows, cols, D, alpha: s.scale,
                          q + r0 * s.qkvStride, s.qkvStride, k, s.qkvStride, beta: 0, p + r0 * T, T)
                    for t in r0..<cols {
                        let row = p + t * T
                        // Rows are T floats long, so the padded 8-lane tail may run past t + 1 (it is left zero).
                        let written = softmaxRowPadded(row, t + 1, rowLength: T)
                        if written < cols { (row + written).update(repeating: 0, count: cols - written) }
                    }
                    sgemm(transA: false, transB: false, rows, D, cols, alpha: 1,
                          p + r0 * T, T, v, s.qkvStride, beta: 0, o + r0 * s.outStride, s.outStride)
                }
            }
        }
    }
}

/// dqkv[B·T, (H+2K)·D] = gradients of q, k and v given dout[B·T, H·D] (overwritten, not accumulated).
func attentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                       _ probs: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ s: AttentionShape) {
    let (T, H, K, D) = (s.T, s.H, s.K, s.D)
    let scale = s.scale
    parallelChunks(s.B * K) { _, range in
        let ds = UnsafeMutablePointer<Float>.allocate(capacity: T * T)
        defer { ds.deallocate() }
        for item in range {
            let b = item / K, kvh = item % K
            let base = qkv + b * T * s.qkvStride, dbase = dqkv + b * T * s.qkvStride
            let k = base + (H + kvh) * D, v = base + (H + K + kvh) * D
            let dk = dbase + (H + kvh) * D, dv = dbase + (H + K + kvh) * D
            for h in kvh * s.groupSize..<(kvh + 1) * s.groupSize {
                let beta: Float = h == kvh * s.groupSize ? 0 : 1   // the group's first head overwrites dK, dV
                let p = probs + (b * H + h) * T * T
                let dO = dout + b * T * s.outStride + h * D
                let q = base + h * D, dq = dbase + h * D
                for r0 in Swift.stride(from: 0, to: T, by: attentionBlock) {
                    let rows = min(attentionBlock, T - r0), cols = r0 + rows
                    // dP = dO vᵀ, then dS = p ∘ (dP − Σ_j p dP) · scale on the causal part.
                    sgemm(transA: false, transB: true, rows, cols, D, alpha: 1,
                          dO + r0 * s.outStride, s.outStride, v, s.qkvStride, beta: 0, ds + r0 * T, T)
                    for t in r0..<cols {
                        let pr = p + t * T, dr = ds + t * T
                        let n = t + 1
                        let written = softmaxBackwardRowPadded(dr, pr, n, rowLength: T, scale: scale)
                        if written < cols { (dr + written).update(repeating: 0, count: cols - written) }
                    }
                    // dQ = dS k
                    sgemm(transA: false, transB: false, rows, D, cols, alpha: 1,
                          ds + r0 * T, T, k, s.qkvStride, beta: 0, dq + r0 * s.qkvStride, s.qkvStride)
                }
                // Keys j0..<j0+kb only receive gradient from queries t >= j0.
                for j0 in Swift.stride(from: 0, to: T, by: attentionBlock) {
                    let kb = min(attentionBlock, T - j0), n = T - j0
                    // dV (+)= pᵀ dO ; dK (+)= dSᵀ q
                    sgemm(transA: true, transB: false, kb, D, n, alpha: 1,
                          p + j0 * T + j0, T, dO + j0 * s.outStride, s.outStride, beta: beta, dv + j0 * s.qkvStride, s.qkvStride)
                    sgemm(transA: true, transB: false, kb, D, n, alpha: 1,
                          ds + j0 * T + j0, T, q + j0 * s.qkvStride, s.qkvStride, beta: beta, dk + j0 * s.qkvStride, s.qkvStride)
                }
            }
        }
    }
}

/// Numerically stable softmax of x[0..<n] in place.
@inline(__always)
func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    let m = maxValue(x, n)
    expShiftedInPlace(x, n, shift: m)
    let inv = 1 / sum(x, n)
    for j in 0..<n { x[j] *= inv }
}

// MARK: - Padded row kernels for the attention score rows
//
// Score rows are T floats long but only the first n = t + 1 are live. Rounding n up to a
// multiple of 8 (when that stays within the row) lets every pass run whole 8-lane vectors with
// no scalar tail; the padding lanes are masked so that they cannot change the result and are
// written as zeros.

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// `fastExp` on eight lanes (same clamp, range reduction and polynomial, evaluated with fused
/// multiply-adds, so results can differ from `fastExp` in the last bit), written on SIMD8 so it
/// stays in ymm registers; the auto-vectorised scalar loop carries prologue/epilogue overhead
/// that dominates on short score rows.
@inline(__always)
func fastExp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    var c = x.replacing(with: -87.0, where: x .< -87.0)
    c = c.replacing(with: 88.0, where: c .> 88.0)
    // Fused multiply-adds (`addingProduct`): Swift never contracts `a * b + c` on its own, and the
    // unfused chain was the critical cost of short softmax rows (fused: −27% per row).
    typealias V = SIMD8<Float>
    let shifted = V(repeating: 12_582_912.0).addingProduct(c, V(repeating: 1.442695040888963))
    let n = shifted - 12_582_912.0
    let r = c.addingProduct(n, V(repeating: -0.693145751953125)).addingProduct(n, V(repeating: -1.428606765330187e-06))
    var p = V(repeating: 1.0 / 720)
    p = V(repeating: 1.0 / 120).addingProduct(p, r)
    p = V(repeating: 1.0 / 24).addingProduct(p, r)
    p = V(repeating: 1.0 / 6).addingProduct(p, r)
    p = V(repeating: 0.5).addingProduct(p, r)
    p = V(repeating: 1).addingProduct(p, r)
    p = V(repeating: 1).addingProduct(p, r)
    let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
}

/// Numerically stable softmax of x[0..<n] in place, in whole 8-lane vectors when x has
/// `rowLength` writable floats: the partial last vector is masked (lanes ≥ n count as −∞ for the
/// max and 0 for the sum) and written in full, so x[n..<written] are left zero. Returns `written`
/// (n rounded up to a multiple of 8, or n on the scalar fallback).
@inline(__always)
func softmaxRowPadded(_ x: UnsafeMutablePointer<Float>, _ n: Int, rowLength: Int) -> Int {
    let padded = (n + 7) & ~7
    if padded > rowLength {
        softmaxInPlace(x, n)
        return n
    }
    let full = n & ~7, rem = n & 7
    let lane = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
    let keep = lane .< SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: rem))
    var m = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i < full {
        let v = load8(x + i)
        m = m.replacing(with: v, where: v .> m)
        i += 8
    }
    if rem != 0 {
        let v = SIMD8<Float>(repeating: -.infinity).replacing(with: load8(x + full), where: keep)
        m = m.replacing(with: v, where: v .> m)
    }
    let mx = Swift.max(Swift.max(Swift.max(m[0], m[1]), Swift.max(m[2], m[3])),
                       Swift.max(Swift.max(m[4], m[5]), Swift.max(m[6], m[7])))
    let shift = SIMD8<Float>(repeating: mx)
    var acc = SIMD8<Float>(repeating: 0)
    i = 0
    while i < full {
        let e = fastExp8(load8(x + i) - shift)
        store8(x + i, e)
        acc += e
        i += 8
    }
    if rem != 0 {
        let e = SIMD8<Float>(repeating: 0).replacing(with: fastExp8(load8(x + full) - shift), where: keep)
        store8(x + full, e)
        acc += e
    }
    let total = horizontalSum(acc)
    let inv = SIMD8<Float>(repeating: 1 / total)
    i = 0
    while i < padded { store8(x + i, load8(x + i) * inv); i += 8 }
    return padded
}

/// d[j] = p[j] · (d[j] − Σ_k p[k] d[k]) · scale for j < n, padded like `softmaxRowPadded`: p must
/// be a row that `softmaxRowPadded` wrote with the same n and rowLength (so p[n..<written] are 0).
/// d[n..<written] are left zero. Returns `written`.
@inline(__always)
func softmaxBackwardRowPadded(_ d: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, _ n: Int,
                              rowLength: Int, scale: Float) -> Int {
    let padded = (n + 7) & ~7
    if padded > rowLength {
        let dot = dotProduct(p, d, n)
        for j in 0..<n { d[j] = p[j] * (d[j] - dot) * scale }
        return n
    }
    for j in n..<padded { d[j] = 0 }
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i < padded { acc += load8(p + i) * load8(d + i); i += 8 }
    let dot = SIMD8<Float>(repeating: horizontalSum(acc))
    let sc = SIMD8<Float>(repeating: scale)
    i = 0
    while i < padded { store8(d + i, load8(p + i) * (load8(d + i) - dot) * sc); i += 8 }
    return padded
}
