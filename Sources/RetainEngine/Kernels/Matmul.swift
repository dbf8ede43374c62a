import CBLAS

// Row-major GEMM helpers. Weights are stored [out, in] (PyTorch's nn.Linear layout).
// Legend: R rows (tokens), I input width, O output width.

// The GEMM library runs single-threaded (see `sgemm`); the engine splits each product into
// `EngineThreads.count` row blocks itself. Two thread pools on two cores (OpenBLAS's spinning
// workers and the engine's) fought over the cores: perf showed 15% of a step in sched_yield.

/// y[R, O] = x[R, I] · w[O, I]ᵀ  (+ y when `accumulate`).
@inline(__always)
func matmulForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                   rows: Int, inDim: Int, outDim: Int, accumulate: Bool = false) {
    if rows < 128 && outDim >= 64 {
        // Few rows (an inference step): split the output columns, in 32-column blocks (whole
        // tiles at 8 and 16 lanes), so each thread packs only its share of the weights; split by
        // rows, every thread packed all of them for a handful of rows. Each element's sum is the
        // same either way.
        parallelChunks((outDim + 31) / 32) { _, blocks in
            let lo = blocks.lowerBound * 32, hi = min(outDim, blocks.upperBound * 32)
            sgemm(transA: false, transB: true, rows, hi - lo, inDim, alpha: 1, x, inDim, w + lo * inDim, inDim,
                  beta: accumulate ? 1 : 0, y + lo, outDim)
        }
        return
    }
    parallelChunks(rows, minPerChunk: 32) { _, r in
        sgemm(transA: false, transB: true, r.count, outDim, inDim, alpha: 1, x + r.lowerBound * inDim, inDim, w, inDim,
              beta: accumulate ? 1 : 0, y + r.lowerBound * outDim, outDim)
    }
}

/// dx[R, I] (+)= dy[R, O] · w[O, I], and dw[O, I] += dy[R, O]ᵀ · x[R, I].
/// `dx` may be nil when the input needs no gradient.
@inline(__always)
func matmulBackward(dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>,
                    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                    rows: Int, inDim: Int, outDim: Int, accumulateDX: Bool = false) {
    if let dx {
        parallelChunks(rows, minPerChunk: 32) { _, r in
            sgemm(transA: false, transB: false, r.count, inDim, outDim, alpha: 1, dy + r.lowerBound * outDim, outDim, w, inDim,
                  beta: accumulateDX ? 1 : 0, dx + r.lowerBound * inDim, inDim)
        }
    }
    // Split dw by its rows (output features): each block reduces over all R rows in one order.
    parallelChunks(outDim, minPerChunk: 16) { _, o in
        sgemm(transA: true, transB: false, o.count, inDim, rows, alpha: 1, dy + o.lowerBound, outDim, x, inDim,
              beta: 1, dw + o.lowerBound * inDim, inDim)
    }
}

/// Measures sgemm throughput for an M×K · K×N product (GFLOP/s, median of `repeats`), either as
/// one OpenBLAS call threaded by OpenBLAS itself (`engineSplit` false: the reference peak figure)
/// or split into row blocks over the engine's threads on the current `GemmBackend`, as the engine
/// runs its products.
public func measureSgemmGFLOPS(m: Int, n: Int, k: Int, repeats: Int = 5, engineSplit: Bool = false) -> Double {
    let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
    var rng = SeededRandom(seed: 1)
    for i in 0..<a.count { a[i] = rng.nextUnitFloat() - 0.5 }
    for i in 0..<b.count { b[i] = rng.nextUnitFloat() - 0.5 }
    func run() {
        if engineSplit {
            parallelChunks(m, minPerChunk: 32) { _, r in
                sgemm(transA: false, transB: false, r.count, n, k, alpha: 1, a.pointer + r.lowerBound * k, k, b.pointer, n,
                      beta: 0, c.pointer + r.lowerBound * n, n)
            }
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                        1, a.pointer, Int32(k), b.pointer, Int32(n), 0, c.pointer, Int32(n))
        }
    }
    if !engineSplit { openblas_set_num_threads(Int32(EngineThreads.count)) }
    defer { if !engineSplit { openblas_set_num_threads(1) } }
    run()  // warm up thread pool and caches
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    // Small shapes need many calls per sample (at least ~20 ms of work) for a stable time.
    let inner = max(1, Int(4e9 / flops))
    var samples: [Double] = []
    for _ in 0..<repeats {
        let t0 = Clock.now()
        for _ in 0..<inner { run() }
        samples.append(flops * Double(inner) / (Clock.now() - t0) / 1e9)
    }
    return median(samples)
}
