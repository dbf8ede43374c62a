import CBLAS
import Foundation

/// Thread settings for the engine. The engine parallelises every kernel itself, GEMMs included
/// (split into row blocks), and calls the GEMM library single-threaded, so only one pool of threads runs.
///
/// Work is always split into exactly `threads` contiguous chunks, and reductions combine
/// per-chunk partials in chunk order, so results depend on the thread count but never on
/// scheduling: the same seed and thread count give bit-identical results.
public enum EngineThreads {
    nonisolated(unsafe) private static var current: Int = {
        openblas_set_num_threads(1)
        return 1
    }()

    /// Threads used by the engine's kernels, GEMMs included.
    public static var count: Int { current }

    /// Sets the engine's thread count (clamped to at least 1); OpenBLAS's own pool stays at one thread.
    public static func set(_ n: Int) {
        current = max(1, n)
        openblas_set_num_threads(1)
    }

    /// The number of cores available to this process.
    public static var available: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// Runs `body` over `count` items split into `EngineThreads.count` contiguous chunks
/// (fewer when `count` is small). `body` receives the chunk index and its range.
@inline(__always)
func parallelChunks(_ count: Int, minPerChunk: Int = 1, _ body: (Int, Range<Int>) -> Void) {
    let chunks = max(1, min(EngineThreads.count, count / max(minPerChunk, 1)))
    if chunks == 1 {
        body(0, 0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let lo = count * c / chunks
        let hi = count * (c + 1) / chunks
        body(c, lo..<hi)
    }
}
