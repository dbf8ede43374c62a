import Foundation
import RetainPortableMath

/// Weighted token cross-entropy over logits [R, V]:
///   loss = Σ_r w_r · (logsumexp(logits_r) − logits_r[target_r]) / Σ_r w_r.
/// Rows with zero weight are skipped. When `dlogits` is given it receives ∂loss/∂logits:
///   w_r / Σw · (softmax(logits_r) − onehot(target_r)).
/// Returns the loss (0 when every weight is zero).
func crossEntropy(dlogits: UnsafeMutablePointer<Float>?, logits: UnsafePointer<Float>,
                  targets: UnsafePointer<Int32>, weights: UnsafePointer<Float>, rows: Int, vocab V: Int) -> Float {
    var weightSum: Double = 0
    for r in 0..<rows { weightSum += Double(weights[r]) }
    // Each row's weighted loss goes to its own slot; the rows are then summed in row order, so the
    // total does not depend on how rows were split over threads.
    var perRow = [Double](repeating: 0, count: rows)
    let invW = weightSum > 0 ? Float(1 / weightSum) : 0
    perRow.withUnsafeMutableBufferPointer { pp in
        let pp = pp.baseAddress!
        parallelChunks(rows, minPerChunk: 8) { _, range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: V)
            defer { scratch.deallocate() }
            for r in range {
                let lr = logits + r * V
                let w = weights[r]
                if w == 0 {
                    if let dlogits { (dlogits + r * V).update(repeating: 0, count: V) }
                    continue
                }
                let m = maxValue(lr, V)
                // Exponentials go to the gradient row, or to a scratch row when there is none.
                let e = dlogits.map { $0 + r * V } ?? scratch
                expShifted(e, lr, V, shift: m)
                let total = sum(e, V)
                if dlogits != nil {
                    let scale = w * invW / total
                    for i in 0..<V { e[i] *= scale }
                    e[Int(targets[r])] -= w * invW
                }
                let lse = m + Float(PortableMath.log(Double(total)))
                pp[r] = Double(w) * Double(lse - lr[Int(targets[r])])
            }
        }
    }
    var lossSum: Double = 0
    for r in 0..<rows { lossSum += perRow[r] }
    return weightSum > 0 ? Float(lossSum / weightSum) : 0
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
