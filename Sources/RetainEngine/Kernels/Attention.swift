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
/// (entries above the diagonal are left untouched and never read).
func attentionForward(_ out: UnsafeMutablePointer<Float>, _ probs: UnsafeMutablePointer<Float>,
                      _ qkv: UnsafePointer<Float>, _ s: AttentionShape) {
    let (T, H, K, D) = (s.T, s.H, s.K, s.D)
    let stride = s.qkvStride, scale = s.scale
    parallelChunks(s.B * K, minPerChunk: 1) { _, range in
        let kT = UnsafeMutablePointer<Float>.allocate(capacity: D * T)   // kᵀ [D, T] of one kv head
        defer { kT.deallocate() }
        for item in range {
            let b = item / K, kvh = item % K
            let base = qkv + b * T * stride
            let kOff = H * D + kvh * D, vOff = (H + K) * D + kvh * D
            for j in 0..<T { for d in 0..<D { kT[d * T + j] = base[j * stride + kOff + d] } }
            for h in kvh * s.groupSize..<(kvh + 1) * s.groupSize {
                for t in 0..<T {
                    let q = base + t * stride + h * D
                    let p = probs + ((b * H + h) * T + t) * T
                    let n = t + 1
                    // scores p[j] = q · k_j
                    for j in 0..<n { p[j] = 0 }
                    for d in 0..<D {
                        let qd = q[d] * scale, kd = kT + d * T
                        for j in 0..<n { p[j] += qd * kd[j] }
                    }
                    softmaxInPlace(p, n)
                    let o = out + (b * T + t) * s.outStride + h * D
                    for d in 0..<D { o[d] = 0 }
                    for j in 0..<n {
                        let pj = p[j], v = base + j * stride + vOff
                        for d in 0..<D { o[d] += pj * v[d] }
                    }
                }
            }
        }
    }
}

/// dqkv[B·T, (H+2K)·D] = gradients of q, k and v given dout[B·T, H·D] (overwritten, not accumulated).
func attentionBackward(_ dqkv: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                       _ probs: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>, _ s: AttentionShape) {
    let (T, H, K, D) = (s.T, s.H, s.K, s.D)
    let stride = s.qkvStride, scale = s.scale
    parallelChunks(s.B * K, minPerChunk: 1) { _, range in
        let vT = UnsafeMutablePointer<Float>.allocate(capacity: D * T)    // vᵀ [D, T]
        let dK = UnsafeMutablePointer<Float>.allocate(capacity: T * D)
        let dV = UnsafeMutablePointer<Float>.allocate(capacity: T * D)
        let dp = UnsafeMutablePointer<Float>.allocate(capacity: T)
        defer { vT.deallocate(); dK.deallocate(); dV.deallocate(); dp.deallocate() }
        for item in range {
            let b = item / K, kvh = item % K
            let base = qkv + b * T * stride
            let dbase = dqkv + b * T * stride
            let kOff = H * D + kvh * D, vOff = (H + K) * D + kvh * D
            for j in 0..<T { for d in 0..<D { vT[d * T + j] = base[j * stride + vOff + d] } }
            dK.update(repeating: 0, count: T * D)
            dV.update(repeating: 0, count: T * D)
            for h in kvh * s.groupSize..<(kvh + 1) * s.groupSize {
                for t in 0..<T {
                    let p = probs + ((b * H + h) * T + t) * T
                    let dO = dout + (b * T + t) * s.outStride + h * D
                    let q = base + t * stride + h * D
                    let n = t + 1
                    // dp[j] = dO · v_j ; dV_j += p_j dO
                    for j in 0..<n { dp[j] = 0 }
                    for d in 0..<D {
                        let g = dO[d], vd = vT + d * T
                        for j in 0..<n { dp[j] += g * vd[j] }
                    }
                    for j in 0..<n {
                        let pj = p[j], dv = dV + j * D
                        for d in 0..<D { dv[d] += pj * dO[d] }
                    }
                    // ds_j = p_j (dp_j − Σ_i p_i dp_i) · scale
                    var dot: Float = 0
                    for j in 0..<n { dot += p[j] * dp[j] }
                    for j in 0..<n { dp[j] = p[j] * (dp[j] - dot) * scale }
                    // dq_t = Σ_j ds_j k_j ; dk_j += ds_j q_t
                    let dq = dbase + t * stride + h * D
                    for d in 0..<D { dq[d] = 0 }
                    for j in 0..<n {
                        let ds = dp[j], k = base + j * stride + kOff, dk = dK + j * D
                        for d in 0..<D {
                            dq[d] += ds * k[d]
                            dk[d] += ds * q[d]
                        }
                    }
                }
            }
            for j in 0..<T {
                (dbase + j * stride + kOff).update(from: dK + j * D, count: D)
                (dbase + j * stride + vOff).update(from: dV + j * D, count: D)
            }
        }
    }
}

/// Numerically stable softmax of x[0..<n] in place.
@inline(__always)
func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    var m = -Float.infinity
    for j in 0..<n { m = max(m, x[j]) }
    var sum: Float = 0
    for j in 0..<n { let e = fastExp(x[j] - m); x[j] = e; sum += e }
    let inv = 1 / sum
    for j in 0..<n { x[j] *= inv }
}
