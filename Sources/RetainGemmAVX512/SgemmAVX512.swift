import RetainGemm

/// The portable GEMM at 16 lanes (a 6×32 tile), compiled for AVX-512 (-target-cpu skylake-avx512):
/// `portableSgemm` is `@inlinable`, so its body is specialised and compiled here, for this
/// module's CPU target. Call it only where `avx512f` is present (`GemmISA.cpuHasAVX512`). It gives the same
/// bits as `sgemmAVX2`: lanes run over output columns and each element's sum has one fixed order.
public func sgemmAVX512(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    portableSgemm(SIMD16<Float>.self, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
