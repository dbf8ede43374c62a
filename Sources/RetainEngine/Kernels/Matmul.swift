import CBLAS

// Row-major GEMM helpers. Weights are stored [out, in] (PyTorch's nn.Linear layout).
// Legend: R rows (tokens), I input width, O output width.

/// y[R, O] = x[R, I] · w[O, I]ᵀ  (+ y when `accumulate`).
@inline(__always)
func matmulForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                   rows: Int, inDim: Int, outDim: Int, accumulate: Bool = false) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outDim), Int32(inDim),
                1, x, Int32(inDim), w, Int32(inDim), accumulate ? 1 : 0, y, Int32(outDim))
}

/// dx[R, I] (+)= dy[R, O] · w[O, I], and dw[O, I] += dy[R, O]ᵀ · x[R, I].
/// `dx` may be nil when the input needs no gradient (e.g. nothing upstream).
@inline(__always)
func matmulBackward(dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>,
                    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                    rows: Int, inDim: Int, outDim: Int, accumulateDX: Bool = false) {
    if let dx {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(inDim), Int32(outDim),
                    1, dy, Int32(outDim), w, Int32(inDim), accumulateDX ? 1 : 0, dx, Int32(inDim))
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outDim), Int32(inDim), Int32(rows),
                1, dy, Int32(outDim), x, Int32(inDim), 1, dw, Int32(inDim))
}

/// Measures OpenBLAS sgemm throughput for an M×K · K×N product (GFLOP/s, median of `repeats`).
public func measureSgemmGFLOPS(m: Int, n: Int, k: Int, repeats: Int = 5) -> Double {
    let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
    var rng = SeededRandom(seed: 1)
    for i in 0..<a.count { a[i] = rng.nextUnitFloat() - 0.5 }
    for i in 0..<b.count { b[i] = rng.nextUnitFloat() - 0.5 }
    func run() {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a.pointer, Int32(k), b.pointer, Int32(n), 0, c.pointer, Int32(n))
    }
    run()  // warm up thread pool and caches
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    // Small shapes need several calls per sample for a measurable time.
    let inner = max(1, Int(2e8 / flops))
    var samples: [Double] = []
    for _ in 0..<repeats {
        let t0 = Clock.now()
        for _ in 0..<inner { run() }
        samples.append(flops * Double(inner) / (Clock.now() - t0) / 1e9)
    }
    return median(samples)
}
