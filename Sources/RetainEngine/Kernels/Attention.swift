import CBLAS
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

/// out[B·T, H·D] = softmax(q kᵀ · scale, causal) v, storing the probabilities in probs[B, H, T, T]
/// (zero above the diagonal).
///
/// Each (batch, kv-head) item runs its small GEMMs through single-threaded OpenBLAS, and the items
/// are spread over the engine's threads.
func attentionForward(_ out: UnsafeMutablePointer<Float>, _ probs: UnsafeMutablePointer<Float>,
                      _ qkv: UnsafePointer<Float>, _ s: AttentionShape) {
    let (T, H, K, D) = (s.T, s.H, s.K, s.D)
    let stride = Int32(s.qkvStride), T32 = Int32(T), D32 = Int32(D)
    do {
        parallelChunks(s.B * K) { _, range in
            for item in range {
                let b = item / K, kvh = item % K
                let base = qkv + b * T * s.qkvStride
                let k = base + (H + kvh) * D, v = base + (H + K + kvh) * D
                for h in kvh * s.groupSize..<(kvh + 1) * s.groupSize {
                    let q = base + h * D
                    let p = probs + (b * H + h) * T * T
                    // p = q kᵀ · scale, then a causal softmax per row.
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T32, T32, D32, s.scale,
                                q, stride, k, stride, 0, p, T32)
                    for t in 0..<T {
                        let row = p + t * T
                        softmaxInPlace(row, t + 1)
                        (row + t + 1).update(repeating: 0, count: T - t - 1)
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T32, D32, T32, 1,
                                p, T32, v, stride, 0, out + b * T * s.outStride + h * D, Int32(s.outStride))
                }
            }
        }
    }
}

/// dqkv[B·T, (H+2K)·D] = gradients of q, k and v given dout[B·T, H·D] (overwritten, not accumulated).
func attentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                       _ probs: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ s: AttentionShape) {
    let (T, H, K, D) = (s.T, s.H, s.K, s.D)
    let stride = Int32(s.qkvStride), T32 = Int32(T), D32 = Int32(D), outStride = Int32(s.outStride)
    do {
        parallelChunks(s.B * K) { _, range in
            let ds = UnsafeMutablePointer<Float>.allocate(capacity: T * T)
            defer { ds.deallocate() }
            for item in range {
                let b = item / K, kvh = item % K
                let base = qkv + b * T * s.qkvStride, dbase = dqkv + b * T * s.qkvStride
                let k = base + (H + kvh) * D, v = base + (H + K + kvh) * D
                let dk = dbase + (H + kvh) * D, dv = dbase + (H + K + kvh) * D
                for h in kvh * s.groupSize..<(kvh + 1) * s.groupSize {
                    let first = h == kvh * s.groupSize
                    let p = probs + (b * H + h) * T * T
                    let dO = dout + b * T * s.outStride + h * D
                    let q = base + h * D
                    // dV (+)= pᵀ dO
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T32, D32, T32, 1,
                                p, T32, dO, outStride, first ? 0 : 1, dv, stride)
                    // dP = dO vᵀ, then dS = p ∘ (dP − Σ_j p dP) · scale (causal rows)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T32, T32, D32, 1,
                                dO, outStride, v, stride, 0, ds, T32)
                    for t in 0..<T {
                        let pr = p + t * T, dr = ds + t * T
                        let n = t + 1
                        let dot = dotProduct(pr, dr, n)
                        for j in 0..<n { dr[j] = pr[j] * (dr[j] - dot) * s.scale }
                        (dr + n).update(repeating: 0, count: T - n)
                    }
                    // dQ = dS k ; dK (+)= dSᵀ q
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T32, D32, T32, 1,
                                ds, T32, k, stride, 0, dbase + h * D, stride)
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T32, D32, T32, 1,
                                ds, T32, q, stride, first ? 0 : 1, dk, stride)
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
