import CBLAS

// Row-major GEMM helpers. Weights are stored [out, in] (PyTorch's nn.Linear layout).
// Legend: R rows (tokens), I input width, O output width.

// OpenBLAS runs single-threaded; the engine splits each product into `EngineThreads.count`
// row blocks itself. Two thread pools on two cores (OpenBLAS's spinning workers and the engine's)
// fought over the cores: perf showed 15% of a training step in sched_yield / __schedule.

/// y[R, O] = x[R, I] · w[O, I]ᵀ  (+ y when `accumulate`).
@inline(__always)
func matmulForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                   rows: Int, inDim: Int, outDim: Int, accumulate: Bool = false) {
    parallelChunks(rows, minPerChunk: 32) { _, r in
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(r.count), Int32(outDim), Int32(inDim),
                    1, x + r.lowerBound * inDim, Int32(inDim), w, Int32(inDim), accumulate ? 1 : 0,
                    y + r.lowerBound * outDim, Int32(outDim))
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
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r.count), Int32(inDim), Int32(outDim),
                        1, dy + r.lowerBound * outDim, Int32(outDim), w, Int32(inDim), accumulateDX ? 1 : 0,
                        dx + r.lowerBound * inDim, Int32(inDim))
        }
    }
    // Split dw by its rows (output features): each block reduces over all R rows in one order.
    parallelChunks(outDim, minPerChunk: 16) { _, o in
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(o.count), Int32(inDim), Int32(rows),
                    1, dy + o.lowerBound, Int32(outDim), x, Int32(inDim), 1, dw + o.lowerBound * inDim, Int32(inDim))
    }
}

/// Measures sgemm throughput for an M×K · K×N product (GFLOP/s, median of `repeats`), either as
/// one OpenBLAS call threaded by OpenBLAS itself (`engineSplit` false, the usual peak figure) or
/// split into row blocks over the engine's threads as the engine runs its products.
public func measureSgemmGFLOPS(m: Int, n: Int, k: Int, repeats: Int = 5, engineSplit: Bool = false) -> Double {
    let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
    var rng = SeededRandom(seed: 1)
    for i in 0..<a.count { a[i] = rng.nextUnitFloat() - 0.5 }
    for i in 0..<b.count { b[i] = rng.nextUnitFloat() - 0.5 }
    func run() {
        if engineSplit {
            parallelChunks(m, minPerChunk: 32) { _, r in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r.count), Int32(n), Int32(k),
                            1, a.pointer + r.lowerBound * k, Int32(k), b.pointer, Int32(n), 0,
                            c.pointer + r.lowerBound * n, Int32(n))
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
