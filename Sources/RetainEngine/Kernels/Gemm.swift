import CBLAS
import CDNNL
import Foundation

/// Which library runs the engine's matrix products. Both are called single-threaded from the
/// engine's own threads (see `EngineThreads`).
///
/// oneDNN is the default: measured single-threaded on this project's shapes it runs at 84–108
/// GFLOP/s against OpenBLAS's 59–69, and at 71 against 19 on attention's 128×128×16 products.
/// OpenBLAS remains for comparison (`RETAIN_GEMM=openblas`) and as the reference sgemm of
/// `retain bench engine`'s MFU.
public enum GemmBackend: String, CaseIterable, Sendable {
    case onednn, openblas

    nonisolated(unsafe) public static var current: GemmBackend = {
        if let env = getenv("RETAIN_GEMM"), let b = GemmBackend(rawValue: String(cString: env)) { return b }
        return .onednn
    }()
}

/// C[M, N] = alpha · op(A) · op(B) + beta · C, row-major, on the current backend, on this thread.
@inline(__always)
func sgemm(transA: Bool, transB: Bool, _ m: Int, _ n: Int, _ k: Int, alpha: Float,
           _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
           beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    if m == 0 || n == 0 { return }
    switch GemmBackend.current {
    case .onednn:
        // A thread-local OpenMP setting: oneDNN then never starts a team of its own.
        omp_set_num_threads(1)
        _ = dnnl_sgemm(transA ? 84 : 78, transB ? 84 : 78, Int64(m), Int64(n), Int64(k), alpha,
                       a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
    case .openblas:
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
