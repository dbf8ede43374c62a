import CBLAS
import CDNNL
import Foundation
import RetainGemm
import RetainGemmAVX512

/// Which code runs the engine's matrix products. All are called single-threaded from the
/// engine's own threads (see `EngineThreads`).
///
/// `portable` (the default) is the engine's own GEMM (`PortableGemm.swift`): every output element
/// sums its products with fused multiply-adds in one fixed order along K, so results depend only
/// on the shapes and inputs, never on the CPU, its vector width or the thread count.
/// oneDNN and OpenBLAS pick their kernels per CPU at run time, so their last bits differ between
/// machines: they are opt-in fast paths (`RETAIN_GEMM=onednn` / `openblas`, `--gemm`), and results
/// made with them reproduce only on the same kind of CPU and thread count. OpenBLAS is also the
/// reference sgemm of `retain bench engine`'s MFU.
public enum GemmBackend: String, CaseIterable, Sendable {
    case portable, onednn, openblas

    nonisolated(unsafe) public static var current: GemmBackend = {
        if let env = getenv("RETAIN_GEMM"), let b = GemmBackend(rawValue: String(cString: env)) { return b }
        return .portable
    }()

    /// True when results do not depend on the CPU or the thread count.
    public var isMachineIndependent: Bool { self == .portable }

    /// The backend and, for the portable GEMM, the vector width it runs at (e.g. "portable/avx2").
    public static var description: String {
        current == .portable ? "portable/\(GemmISA.current.rawValue)" : current.rawValue
    }
}

/// Which build of the portable GEMM runs: the same source at 8 lanes (AVX2 + FMA; NEON on arm64)
/// or 16 lanes (AVX-512). Both give the same bits, so this is a speed choice only: the widest the
/// CPU has, or `RETAIN_GEMM_ISA=avx2` to force the narrow one.
public enum GemmISA: String, CaseIterable, Sendable {
    case avx2, avx512

    nonisolated(unsafe) public static var current: GemmISA = {
        if let env = getenv("RETAIN_GEMM_ISA"), let isa = GemmISA(rawValue: String(cString: env)), isa == .avx2 || cpuHasAVX512 {
            return isa
        }
        return cpuHasAVX512 ? .avx512 : .avx2
    }()

    /// Linux lists `avx512f` in /proc/cpuinfo only when both the CPU and the kernel's saved
    /// register state support it.
    public static let cpuHasAVX512: Bool = {
        #if arch(x86_64)
        guard let flags = cpuInfoValue("flags") else { return false }
        return flags.split(separator: " ").contains("avx512f")
        #else
        return false
        #endif
    }()
}

/// C[M, N] = alpha · op(A) · op(B) + beta · C, row-major, on the current backend, on this thread.
@inline(__always)
func sgemm(transA: Bool, transB: Bool, _ m: Int, _ n: Int, _ k: Int, alpha: Float,
           _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
           beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    if m == 0 || n == 0 { return }
    switch GemmBackend.current {
    case .portable:
        if GemmISA.current == .avx512 {
            sgemmAVX512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        } else {
            sgemmAVX2(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
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
