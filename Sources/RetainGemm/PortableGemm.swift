#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A single-precision GEMM whose bits depend only on the shapes and the inputs.
//
// Every output element is computed as
//     acc = 0;  for k in 0..<K { acc = fma(A[i, k], B[k, j], acc) }      (k strictly in order)
//     C[i, j] = alpha·acc            (beta == 0)
//     C[i, j] = alpha·acc + beta·C   (otherwise; alpha·acc is skipped when alpha == 1, beta·C when beta == 1)
// with IEEE fused multiply-adds. Vector lanes run over output columns (j), never over k, so the
// vector width, the register tile, the cache blocking, the row or column split across threads and
// the CPU's instruction set only change which outputs are computed together, never the order of
// any element's sum. The K loop is blocked for the caches, and the accumulators are carried across
// K blocks through memory exactly (a float stored and reloaded is the same float).
//
// Layout: a 6 × 2V register tile (12 accumulators of V lanes, as in BLIS's Haswell kernel); B is
// packed into 2V-column panels of `gemmKCBlock` rows (zero-padded past N), A is read in place.
// The code is generic over the vector type and `@inlinable`, so each module that specialises it
// compiles it for its own target CPU: `sgemmAVX2` here (8 lanes, -target-cpu haswell) and
// `RetainGemmAVX512.sgemmAVX512` (16 lanes, -target-cpu skylake-avx512) are the same source.

public typealias GemmFunction = (_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                                 _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                 _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Void

/// The 8-lane variant (AVX2 + FMA on x86-64, NEON pairs on arm64).
public func sgemmAVX2(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                      _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                      _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    portableSgemm(SIMD8<Float>.self, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

/// The 16-lane tile compiled for this module's CPU target (AVX2): the same code as the AVX-512
/// variant, so tests on any machine can check that the wide tile gives the same bits.
public func sgemmWideTile(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                          _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                          _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    portableSgemm(SIMD16<Float>.self, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

@usableFromInline let gemmMR = 6
/// Rows of K per block: a panel of B is gemmKCBlock × 2V floats (16 KiB at 8 lanes), so it stays
/// in L1 while a 6-row strip of A streams past it.
@usableFromInline let gemmKCBlock = 256
/// Columns per packed block of B (gemmKCBlock × gemmNCBlock floats = 128 KiB, in L2).
@usableFromInline let gemmNCBlock = 128

/// Per-thread scratch for the packed B block and the carried partial sums.
@usableFromInline
final class GemmScratch {
    @usableFromInline var packed: UnsafeMutablePointer<Float>
    @usableFromInline var partial: UnsafeMutablePointer<Float>
    @usableFromInline var partialCount: Int

    init() {
        packed = Self.allocateAligned(gemmKCBlock * gemmNCBlock)
        partialCount = 0
        partial = Self.allocateAligned(1)
    }

    deinit { UnsafeMutableRawPointer(packed).deallocate(); UnsafeMutableRawPointer(partial).deallocate() }

    /// 64-byte (cache-line) aligned: the kernel's vector loads of packed panels and partial tiles
    /// then never straddle two lines. malloc's 16-byte alignment made half of them split, and
    /// which threads got which alignment varied from run to run.
    private static func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    @usableFromInline
    func partialBuffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > partialCount {
            UnsafeMutableRawPointer(partial).deallocate()
            partial = Self.allocateAligned(count)
            partialCount = count
        }
        return partial
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in
            if let p { Unmanaged<GemmScratch>.fromOpaque(p).release() }
        }
        return key
    }()

    /// This thread's scratch, created on first use and freed when the thread exits.
    @usableFromInline
    static func forThisThread() -> GemmScratch {
        if let p = pthread_getspecific(key) { return Unmanaged<GemmScratch>.fromOpaque(p).takeUnretainedValue() }
        let s = GemmScratch()
        pthread_setspecific(key, Unmanaged.passRetained(s).toOpaque())
        return s
    }
}

/// C[M, N] = alpha · op(A) · op(B) + beta · C, row-major, single-threaded, with the fixed
/// per-element order described at the top of this file. `V` sets the tile width (2 vectors).
@inlinable
public func portableSgemm<V: SIMD>(_: V.Type, _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                                   _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                   _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) where V.Scalar == Float {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // The empty sum is +0: C = alpha·0 (+ beta·C), as the general path would give.
        for i in 0..<m {
            for j in 0..<n { c[i * ldc + j] = gemmFinish(0, alpha: alpha, beta: beta, c[i * ldc + j]) }
        }
        return
    }
    let mr = gemmMR, nr = 2 * V.scalarCount
    // A(i, k) = a[i·aRow + k·aK]
    let aRow = transA ? 1 : lda, aK = transA ? lda : 1
    let scratch = GemmScratch.forThisThread()
    let packed = scratch.packed
    let multiBlock = k > gemmKCBlock
    for jc in stride(from: 0, to: n, by: gemmNCBlock) {
        let nc = min(gemmNCBlock, n - jc)
        let panels = (nc + nr - 1) / nr
        // Partial sums of this column block, tile by tile: [row strip][panel][mr][nr].
        let strips = (m + mr - 1) / mr
        let partial = multiBlock ? scratch.partialBuffer(strips * panels * mr * nr) : nil
        for pc in stride(from: 0, to: k, by: gemmKCBlock) {
            let kc = min(gemmKCBlock, k - pc)
            gemmPackB(V.self, packed, b, ldb, transB: transB, k0: pc, kc: kc, j0: jc, nc: nc)
            let first = pc == 0, last = pc + kc == k
            for s in 0..<strips {
                let i0 = s * mr
                let rows = min(mr, m - i0)
                let aStrip = a + i0 * aRow + pc * aK
                for p in 0..<panels {
                    let j0 = jc + p * nr
                    let tile = partial.map { $0 + (s * panels + p) * mr * nr }
                    gemmMicroKernel(V.self, kc: kc, a: aStrip, aRow: aRow, aK: aK, rows: rows, b: packed + p * kc * nr,
                                    load: first ? nil : tile.map { UnsafePointer($0) }, store: last ? nil : tile,
                                    c: c + i0 * ldc + j0, ldc: ldc, cols: min(nr, n - j0), alpha: alpha, beta: beta)
                }
            }
        }
    }
}

@inlinable @inline(__always)
func gemmLoad<V: SIMD>(_: V.Type, _ p: UnsafePointer<Float>) -> V where V.Scalar == Float {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inlinable @inline(__always)
func gemmStore<V: SIMD>(_ p: UnsafeMutablePointer<Float>, _ v: V) where V.Scalar == Float {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// Packs B(k0..<k0+kc, j0..<j0+nc) into 2V-column panels, each kc rows of 2V floats, zeros past nc.
@inlinable @inline(__always)
func gemmPackB<V: SIMD>(_: V.Type, _ dst: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ ldb: Int, transB: Bool,
                        k0: Int, kc: Int, j0: Int, nc: Int) where V.Scalar == Float {
    let w = V.scalarCount, nr = 2 * w
    let panels = (nc + nr - 1) / nr
    for p in 0..<panels {
        let out = dst + p * kc * nr
        let cols = min(nr, nc - p * nr)
        let jBase = j0 + p * nr
        if transB {
            // B(k, j) = b[j·ldb + k]: each column is contiguous in k.
            if cols < nr { out.update(repeating: 0, count: kc * nr) }
            for jj in 0..<cols {
                let src = b + (jBase + jj) * ldb + k0
                for kk in 0..<kc { out[kk * nr + jj] = src[kk] }
            }
        } else {
            // B(k, j) = b[k·ldb + j]: each row of the panel is contiguous.
            for kk in 0..<kc {
                let src = b + (k0 + kk) * ldb + jBase
                let row = out + kk * nr
                if cols == nr {
                    gemmStore(row, gemmLoad(V.self, src))
                    gemmStore(row + w, gemmLoad(V.self, src + w))
                } else {
                    for jj in 0..<cols { row[jj] = src[jj] }
                    for jj in cols..<nr { row[jj] = 0 }
                }
            }
        }
    }
}

@inlinable @inline(__always)
func gemmFinish(_ acc: Float, alpha: Float, beta: Float, _ old: Float) -> Float {
    let scaled = alpha == 1 ? acc : alpha * acc
    if beta == 0 { return scaled }
    return scaled + (beta == 1 ? old : beta * old)
}

@inlinable @inline(__always)
func gemmFinish<V: SIMD>(_ acc: V, alpha: Float, beta: Float, _ old: V) -> V where V.Scalar == Float {
    let scaled = alpha == 1 ? acc : acc * V(repeating: alpha)
    if beta == 0 { return scaled }
    return scaled + (beta == 1 ? old : old * V(repeating: beta))
}

/// One 6 × 2V tile over kc steps of K. Accumulators start at zero or at `load` (the tile's partial
/// sums from the previous K block); they end in `store` (more K blocks follow) or in C.
/// Rows past `rows` read row 0 again and are discarded; columns past `cols` are zero in the panel
/// and discarded.
@inlinable @inline(__always)
func gemmMicroKernel<V: SIMD>(_: V.Type, kc: Int, a: UnsafePointer<Float>, aRow: Int, aK: Int, rows: Int,
                              b: UnsafePointer<Float>, load: UnsafePointer<Float>?, store: UnsafeMutablePointer<Float>?,
                              c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, beta: Float) where V.Scalar == Float {
    let w = V.scalarCount, nr = 2 * w
    let a0 = a
    let a1 = a + (rows > 1 ? aRow : 0)
    let a2 = a + (rows > 2 ? 2 * aRow : 0)
    let a3 = a + (rows > 3 ? 3 * aRow : 0)
    let a4 = a + (rows > 4 ? 4 * aRow : 0)
    let a5 = a + (rows > 5 ? 5 * aRow : 0)
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    if let load {
        c00 = gemmLoad(V.self, load); c01 = gemmLoad(V.self, load + w)
        c10 = gemmLoad(V.self, load + 2 * w); c11 = gemmLoad(V.self, load + 3 * w)
        c20 = gemmLoad(V.self, load + 4 * w); c21 = gemmLoad(V.self, load + 5 * w)
        c30 = gemmLoad(V.self, load + 6 * w); c31 = gemmLoad(V.self, load + 7 * w)
        c40 = gemmLoad(V.self, load + 8 * w); c41 = gemmLoad(V.self, load + 9 * w)
        c50 = gemmLoad(V.self, load + 10 * w); c51 = gemmLoad(V.self, load + 11 * w)
    }
    var pb = b
    var off = 0
    for _ in 0..<kc {
        let b0 = gemmLoad(V.self, pb), b1 = gemmLoad(V.self, pb + w)
        var x = V(repeating: a0[off])
        c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
        x = V(repeating: a1[off])
        c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
        x = V(repeating: a2[off])
        c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
        x = V(repeating: a3[off])
        c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
        x = V(repeating: a4[off])
        c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
        x = V(repeating: a5[off])
        c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
        pb += nr
        off += aK
    }
    if let store {
        gemmStore(store, c00); gemmStore(store + w, c01)
        gemmStore(store + 2 * w, c10); gemmStore(store + 3 * w, c11)
        gemmStore(store + 4 * w, c20); gemmStore(store + 5 * w, c21)
        gemmStore(store + 6 * w, c30); gemmStore(store + 7 * w, c31)
        gemmStore(store + 8 * w, c40); gemmStore(store + 9 * w, c41)
        gemmStore(store + 10 * w, c50); gemmStore(store + 11 * w, c51)
        return
    }
    @inline(__always)
    func write(_ r: Int, _ lo: V, _ hi: V) {
        guard r < rows else { return }
        let row = c + r * ldc
        if cols == nr {
            gemmStore(row, gemmFinish(lo, alpha: alpha, beta: beta, beta == 0 ? V() : gemmLoad(V.self, row)))
            gemmStore(row + w, gemmFinish(hi, alpha: alpha, beta: beta, beta == 0 ? V() : gemmLoad(V.self, row + w)))
        } else {
            for j in 0..<cols {
                let acc = j < w ? lo[j] : hi[j - w]
                row[j] = gemmFinish(acc, alpha: alpha, beta: beta, beta == 0 ? 0 : row[j])
            }
        }
    }
    write(0, c00, c01); write(1, c10, c11); write(2, c20, c21)
    write(3, c30, c31); write(4, c40, c41); write(5, c50, c51)
}
