import Foundation
import RetainPortableMath

/// Rotary position embedding tables in the Hugging Face "rotate_half" convention:
/// the pair (x[j], x[j + D/2]) is rotated by angle pos · θ^(−2j/D).
struct RotaryTable {
    let half: Int
    let maxPositions: Int
    let cos: [Float]   // [maxPositions, D/2]
    let sin: [Float]

    init(headDim D: Int, maxPositions: Int, theta: Float) {
        half = D / 2
        self.maxPositions = maxPositions
        var c = [Float](repeating: 0, count: maxPositions * half)
        var s = c
        for p in 0..<maxPositions {
            for j in 0..<half {
                let invFreq = PortableMath.pow(Double(theta), -2 * Double(j) / Double(D))
                let (sinA, cosA) = PortableMath.sinCos(Double(p) * invFreq)
                c[p * half + j] = Float(cosA)
                s[p * half + j] = Float(sinA)
            }
        }
        cos = c
        sin = s
    }

    /// Rotates `heads` consecutive heads of width D at `x` (row r starts at x + r·stride), in place.
    /// `inverse` applies the transposed rotation, which is the backward pass.
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, stride: Int, heads: Int,
               positions: UnsafePointer<Int32>, inverse: Bool) {
        let half = self.half
        cos.withUnsafeBufferPointer { cb in
            sin.withUnsafeBufferPointer { sb in
                let cp = cb.baseAddress!, sp = sb.baseAddress!
                parallelChunks(rows, minPerChunk: 32) { _, range in
                    for r in range {
                        let p = Int(positions[r])
                        let cr = cp + p * half
                        let sr = sp + p * half
                        let sign: Float = inverse ? -1 : 1
                        for h in 0..<heads {
                            let v = x + r * stride + h * 2 * half
                            for j in 0..<half {
                                let a = v[j], b = v[j + half]
                                let cj = cr[j], sj = sr[j] * sign
                                v[j] = a * cj - b * sj
                                v[j + half] = b * cj + a * sj
                            }
                        }
                    }
                }
            }
        }
    }
}
