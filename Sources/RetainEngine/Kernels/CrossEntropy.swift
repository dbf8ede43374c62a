import Foundation

/// Weighted token cross-entropy over logits [R, V]:
///   loss = Σ_r w_r · (logsumexp(logits_r) − logits_r[target_r]) / Σ_r w_r.
/// Rows with zero weight are skipped. When `dlogits` is given it receives ∂loss/∂logits:
///   w_r / Σw · (softmax(logits_r) − onehot(target_r)).
/// Returns the loss (0 when every weight is zero).
func crossEntropy(dlogits: UnsafeMutablePointer<Float>?, logits: UnsafePointer<Float>,
                  targets: UnsafePointer<Int32>, weights: UnsafePointer<Float>, rows: Int, vocab V: Int) -> Float {
    var weightSum: Double = 0
    for r in 0..<rows { weightSum += Double(weights[r]) }
    let chunks = max(1, min(EngineThreads.count, rows / 8))
    var partial = [Double](repeating: 0, count: chunks)
    let invW = weightSum > 0 ? Float(1 / weightSum) : 0
    partial.withUnsafeMutableBufferPointer { pp in
        let pp = pp.baseAddress!
        parallelChunks(rows, minPerChunk: 8) { chunk, range in
            var acc: Double = 0
            for r in range {
                let lr = logits + r * V
                let w = weights[r]
                if w == 0 {
                    if let dlogits { (dlogits + r * V).update(repeating: 0, count: V) }
                    continue
                }
                var m = -Float.infinity
                for i in 0..<V { m = max(m, lr[i]) }
                var sum: Float = 0
                if let dlogits {
                    let dr = dlogits + r * V
                    for i in 0..<V { let e = fastExp(lr[i] - m); dr[i] = e; sum += e }
                    let scale = w * invW / sum
                    for i in 0..<V { dr[i] *= scale }
                    dr[Int(targets[r])] -= w * invW
                } else {
                    for i in 0..<V { sum += fastExp(lr[i] - m) }
                }
                let lse = m + Foundation.log(sum)
                acc += Double(w) * Double(lse - lr[Int(targets[r])])
            }
            pp[chunk] = acc
        }
    }
    return weightSum > 0 ? Float(partial.reduce(0, +) / weightSum) : 0
}

/// x[R, C] = E[tokens[r]].
func embeddingForward(_ x: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>,
                      _ tokens: UnsafePointer<Int32>, rows: Int, dim C: Int) {
    for r in 0..<rows { (x + r * C).update(from: table + Int(tokens[r]) * C, count: C) }
}

/// dE[tokens[r]] += dx[r], in row order (deterministic).
func embeddingBackward(_ dTable: UnsafeMutablePointer<Float>, _ dx: UnsafePointer<Float>,
                       _ tokens: UnsafePointer<Int32>, rows: Int, dim C: Int) {
    for r in 0..<rows {
        let d = dTable + Int(tokens[r]) * C, s = dx + r * C
        for i in 0..<C { d[i] += s[i] }
    }
}
