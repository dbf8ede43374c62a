import XCTest
@testable import RetainEngine

/// Finite-difference checks of every layer's backward pass, each on L = Σ dy · layer(x).
final class LayerGradientTests: XCTestCase {
    override func setUp() { EngineThreads.set(2) }

    func testMatmul() {
        let R = 5, I = 7, O = 6
        let x = randomBuffer(R * I, seed: 1), w = randomBuffer(O * I, seed: 2), dy = randomBuffer(R * O, seed: 3)
        let y = FloatBuffer(count: R * O), dx = FloatBuffer(count: R * I), dw = FloatBuffer(count: O * I)
        func f() -> Double { matmulForward(y.pointer, x.pointer, w.pointer, rows: R, inDim: I, outDim: O); return projected(y, dy) }
        matmulBackward(dx: dx.pointer, dw: dw.pointer, dy: dy.pointer, x: x.pointer, w: w.pointer, rows: R, inDim: I, outDim: O)
        assertGradientMatches("dx", x: x.pointer, analytic: dx.pointer, indices: sampleIndices(R * I), loss: f)
        assertGradientMatches("dw", x: w.pointer, analytic: dw.pointer, indices: sampleIndices(O * I), loss: f)
    }

    func testRMSNorm() {
        let R = 6, C = 12
        let x = randomBuffer(R * C, seed: 4), w = randomBuffer(C, seed: 5), dy = randomBuffer(R * C, seed: 6)
        for i in 0..<C { w[i] += 1 }
        let y = FloatBuffer(count: R * C), rstd = FloatBuffer(count: R)
        let dx = FloatBuffer(count: R * C), dw = FloatBuffer(count: C)
        func f() -> Double { rmsnormForward(y.pointer, rstd.pointer, x.pointer, w.pointer, rows: R, dim: C, eps: 1e-5); return projected(y, dy) }
        _ = f()
        rmsnormBackward(dx.pointer, dw.pointer, dy.pointer, x.pointer, w.pointer, rstd.pointer, rows: R, dim: C, accumulate: false)
        assertGradientMatches("dx", x: x.pointer, analytic: dx.pointer, indices: sampleIndices(R * C, count: 40), loss: f)
        assertGradientMatches("dw", x: w.pointer, analytic: dw.pointer, indices: Array(0..<C), loss: f)
    }

    func testRoPE() {
        let R = 5, heads = 3, D = 8, stride = heads * D + 2
        let table = RotaryTable(headDim: D, maxPositions: 16, theta: 10_000)
        let positions: [Int32] = [0, 3, 1, 9, 15]
        let x = randomBuffer(R * stride, seed: 7), dy = randomBuffer(R * stride, seed: 8)
        let y = FloatBuffer(count: R * stride)
        func f() -> Double {
            y.copy(from: x)
            positions.withUnsafeBufferPointer { table.apply(y.pointer, rows: R, stride: stride, heads: heads, positions: $0.baseAddress!, inverse: false) }
            return projected(y, dy)
        }
        let dx = FloatBuffer(count: R * stride)
        dx.copy(from: dy)
        positions.withUnsafeBufferPointer { table.apply(dx.pointer, rows: R, stride: stride, heads: heads, positions: $0.baseAddress!, inverse: true) }
        assertGradientMatches("dx", x: x.pointer, analytic: dx.pointer, indices: Array(0..<(R * stride)), loss: f)
        // Position 0 is the identity; any other position must move the vector.
        _ = f()
        XCTAssertEqual(y[0], x[0])
        XCTAssertNotEqual(y[stride + 1], x[stride + 1])
    }

    func testCausalGroupedQueryAttention() {
        let s = AttentionShape(B: 2, T: 5, H: 4, K: 2, D: 4)
        let R = s.B * s.T
        let qkv = randomBuffer(R * s.qkvStride, seed: 9), dy = randomBuffer(R * s.outStride, seed: 10)
        let out = FloatBuffer(count: R * s.outStride), probs = FloatBuffer(count: s.probsCount)
        let dqkv = FloatBuffer(count: R * s.qkvStride)
        func f() -> Double { attentionForward(out.pointer, probs.pointer, qkv.pointer, s); return projected(out, dy) }
        _ = f()
        attentionBackward(dqkv.pointer, dy.pointer, probs.pointer, qkv.pointer, s)
        assertGradientMatches("dqkv", x: qkv.pointer, analytic: dqkv.pointer, indices: Array(0..<(R * s.qkvStride)), loss: f)
        // Causality: the first position's output depends only on the first key/value.
        let before = out[0]
        qkv[s.qkvStride + s.H * s.D] += 1  // key of position 1, batch 0, kv head 0
        _ = f()
        XCTAssertEqual(out[0], before)
    }

    /// Rows longer than one causal block (and not a multiple of it, or of 8), at head widths 4, 12
    /// and 16, so the block-skipping paths and the padded softmax tails run.
    func testAttentionOnLongRowsAtSeveralHeadWidths() {
        for (T, D) in [(135, 4), (45, 16), (37, 12)] {
            checkLongAttention(AttentionShape(B: 2, T: T, H: 4, K: 2, D: D))
        }
    }

    private func checkLongAttention(_ s: AttentionShape) {
        let R = s.B * s.T
        let qkv = randomBuffer(R * s.qkvStride, seed: 19), dy = randomBuffer(R * s.outStride, seed: 20)
        let out = FloatBuffer(count: R * s.outStride), probs = FloatBuffer(count: s.probsCount)
        let dqkv = FloatBuffer(count: R * s.qkvStride)
        func f() -> Double { attentionForward(out.pointer, probs.pointer, qkv.pointer, s); return projected(out, dy) }
        _ = f()
        // Forward against a direct double-precision evaluation of causal softmax attention.
        for b in 0..<s.B { for h in 0..<s.H { for t in stride(from: 0, to: s.T, by: 5) {
            let kvh = h / s.groupSize
            let row = { (pos: Int, off: Int) in (0..<s.D).map { Double(qkv[(b * s.T + pos) * s.qkvStride + off + $0]) } }
            let q = row(t, h * s.D)
            let scores = (0...t).map { j in zip(q, row(j, (s.H + kvh) * s.D)).map(*).reduce(0, +) / Double(s.D).squareRoot() }
            let m = scores.max()!
            let w = scores.map { exp($0 - m) }, z = w.reduce(0, +)
            for d in 0..<s.D {
                let expected = (0...t).map { w[$0] / z * row($0, (s.H + s.K + kvh) * s.D)[d] }.reduce(0, +)
                XCTAssertEqual(Double(out[(b * s.T + t) * s.outStride + h * s.D + d]), expected, accuracy: 1e-5, "T \(s.T) D \(s.D)")
            }
        } } }
        attentionBackward(dqkv.pointer, dy.pointer, probs.pointer, qkv.pointer, s)
        assertGradientMatches("dqkv T \(s.T) D \(s.D)", x: qkv.pointer, analytic: dqkv.pointer,
                              indices: sampleIndices(R * s.qkvStride, count: 300, seed: 3), loss: f)
    }

    func testSwiGLU() {
        let R = 4, F = 9
        let gu = randomBuffer(R * 2 * F, seed: 11, scale: 2), dy = randomBuffer(R * F, seed: 12)
        let a = FloatBuffer(count: R * F), dgu = FloatBuffer(count: R * 2 * F)
        func f() -> Double { swigluForward(a.pointer, gu.pointer, rows: R, hidden: F); return projected(a, dy) }
        swigluBackward(dgu.pointer, dy.pointer, gu.pointer, rows: R, hidden: F)
        assertGradientMatches("dgu", x: gu.pointer, analytic: dgu.pointer, indices: Array(0..<(R * 2 * F)), loss: f)
    }

    func testWeightedCrossEntropy() {
        let R = 6, V = 11
        let logits = randomBuffer(R * V, seed: 13, scale: 2)
        let targets: [Int32] = [1, 0, 10, 5, 5, 3]
        let weights: [Float] = [1, 0, 0.1, 1, 2, 1]
        let dlogits = FloatBuffer(count: R * V)
        func f() -> Double {
            Double(targets.withUnsafeBufferPointer { t in weights.withUnsafeBufferPointer { w in
                crossEntropy(dlogits: nil, logits: logits.pointer, targets: t.baseAddress!, weights: w.baseAddress!, rows: R, vocab: V) } })
        }
        let loss = targets.withUnsafeBufferPointer { t in weights.withUnsafeBufferPointer { w in
            crossEntropy(dlogits: dlogits.pointer, logits: logits.pointer, targets: t.baseAddress!, weights: w.baseAddress!, rows: R, vocab: V) } }
        // Against a direct computation of Σ w·(lse − logit[target]) / Σ w.
        var expected = 0.0
        for r in 0..<R {
            let row = (0..<V).map { Double(logits[r * V + $0]) }
            let m = row.max()!
            let lse = m + log(row.map { exp($0 - m) }.reduce(0, +))
            expected += Double(weights[r]) * (lse - row[Int(targets[r])])
        }
        expected /= Double(weights.reduce(0, +))
        XCTAssertEqual(Double(loss), expected, accuracy: 1e-5)
        assertGradientMatches("dlogits", x: logits.pointer, analytic: dlogits.pointer, indices: Array(0..<(R * V)),
                              step: 1e-2, loss: f)
        // A zero-weight row contributes no gradient.
        for i in 0..<V { XCTAssertEqual(dlogits[V + i], 0) }
    }

    func testEmbedding() {
        let V = 7, C = 5, R = 6
        let table = randomBuffer(V * C, seed: 14), dy = randomBuffer(R * C, seed: 15)
        let tokens: [Int32] = [3, 1, 3, 6, 0, 3]
        let x = FloatBuffer(count: R * C), dTable = FloatBuffer(count: V * C)
        func f() -> Double {
            tokens.withUnsafeBufferPointer { embeddingForward(x.pointer, table.pointer, $0.baseAddress!, rows: R, dim: C) }
            return projected(x, dy)
        }
        tokens.withUnsafeBufferPointer { embeddingBackward(dTable.pointer, dy.pointer, $0.baseAddress!, rows: R, dim: C) }
        assertGradientMatches("dE", x: table.pointer, analytic: dTable.pointer, indices: Array(0..<(V * C)), loss: f)
    }

    func testFastExpIsAccurate() {
        var x: Float = -80
        while x < 80 {
            let e = fastExp(x), r = Foundation.exp(x)
            XCTAssertEqual(e, r, accuracy: r * 2e-6, "exp(\(x))")
            x += 0.173
        }
    }
}
