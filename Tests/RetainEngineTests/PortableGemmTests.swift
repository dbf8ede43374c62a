import CBLAS
import RetainGemm
import RetainGemmAVX512
import XCTest
@testable import RetainEngine

/// The portable GEMM against (1) a scalar loop with the documented per-element order, bit for bit,
/// and (2) OpenBLAS, within rounding, over every transpose, edge tiles, several K blocks, strided
/// operands and the alpha/beta cases the engine uses. Every build of it is checked: 8 lanes, the
/// 16-lane tile compiled for this CPU target, and the AVX-512 module where the CPU has AVX-512.
final class PortableGemmTests: XCTestCase {
    private var variants: [(String, GemmFunction)] {
        var v: [(String, GemmFunction)] = [("8 lanes", sgemmAVX2), ("16-lane tile", sgemmWideTile)]
        if GemmISA.cpuHasAVX512 { v.append(("AVX-512", sgemmAVX512)) }
        return v
    }

    /// acc = Σ_k fma(A(i,k), B(k,j), acc) in k order, then alpha/beta exactly as documented.
    private func reference(transA: Bool, transB: Bool, _ m: Int, _ n: Int, _ k: Int, alpha: Float,
                           _ a: [Float], _ lda: Int, _ b: [Float], _ ldb: Int, beta: Float, _ c: inout [Float], _ ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var acc: Float = 0
                for kk in 0..<k {
                    let x = transA ? a[kk * lda + i] : a[i * lda + kk]
                    let y = transB ? b[j * ldb + kk] : b[kk * ldb + j]
                    acc = acc.addingProduct(x, y)
                }
                let scaled = alpha == 1 ? acc : alpha * acc
                let old = c[i * ldc + j]
                c[i * ldc + j] = beta == 0 ? scaled : scaled + (beta == 1 ? old : beta * old)
            }
        }
    }

    private func random(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<n).map { _ in rng.nextUnitFloat() * 2 - 1 }
    }

    func testBitIdenticalToOrderedScalarLoopAndCloseToOpenBLAS() {
        let shapes: [(Int, Int, Int)] = [(1, 1, 1), (5, 7, 3), (6, 16, 8), (7, 17, 9), (13, 33, 300), (64, 128, 16),
                                         (37, 129, 513), (2, 300, 40), (128, 16, 257)]
        var seed: UInt64 = 1
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    for (alpha, beta) in [(Float(1), Float(0)), (1, 1), (0.25, 0), (0.5, 2)] {
                        // Padded leading dimensions, so strides are exercised.
                        let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 5
                        let a = random((transA ? k : m) * lda, seed: seed)
                        let b = random((transB ? n : k) * ldb, seed: seed + 1)
                        let c0 = random(m * ldc, seed: seed + 2)
                        seed += 3
                        var expected = c0
                        reference(transA: transA, transB: transB, m, n, k, alpha: alpha, a, lda, b, ldb, beta: beta, &expected, ldc)
                        var got = c0
                        let label = "m\(m) n\(n) k\(k) tA\(transA) tB\(transB) alpha\(alpha) beta\(beta)"
                        for (name, gemm) in variants {
                            got = c0
                            gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, &got, ldc)
                            XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "\(name) \(label)")
                            // Padding columns of C are never written.
                            for i in 0..<m { for j in n..<ldc { XCTAssertEqual(got[i * ldc + j], c0[i * ldc + j], label) } }
                        }

                        var blas = c0
                        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, &blas, Int32(ldc))
                        var worst: Float = 0
                        for i in 0..<m { for j in 0..<n { worst = max(worst, abs(blas[i * ldc + j] - got[i * ldc + j])) } }
                        XCTAssertLessThan(worst, 1e-5 * Float(k).squareRoot() * 4, label)
                    }
                }
            }
        }
    }

    /// A row's result does not depend on how many rows are computed with it or where the row
    /// block starts: the property that makes thread splits and batch composition irrelevant.
    func testRowsIndependentOfBlockSplit() {
        let m = 50, n = 70, k = 600
        let a = random(m * k, seed: 9), w = random(n * k, seed: 10)
        var whole = [Float](repeating: 0, count: m * n), split = whole
        sgemmAVX2(false, true, m, n, k, 1, a, k, w, k, 0, &whole, n)
        for (name, gemm) in variants {
            split.withUnsafeMutableBufferPointer { cp in
                a.withUnsafeBufferPointer { ap in
                    for (lo, hi) in [(0, 1), (1, 8), (8, 31), (31, 50)] {
                        gemm(false, true, hi - lo, n, k, 1, ap.baseAddress! + lo * k, k, w, k, 0, cp.baseAddress! + lo * n, n)
                    }
                }
            }
            XCTAssertEqual(whole.map(\.bitPattern), split.map(\.bitPattern), name)
        }
    }
}
