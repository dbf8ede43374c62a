import Foundation

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
// Layout: a 6×16 register tile (12 eight-lane accumulators, as in BLIS's Haswell kernel); B is
// packed into 16-column panels of `kcBlock` rows (zero-padded past N), A is read in place.

private let mr = 6
private let nr = 16
/// Rows of K per block: a 16-column panel of B is kcBlock·64 bytes (16 KiB), so it stays in L1
/// while a 6-row strip of A streams past it.
private let kcBlock = 256
/// Columns per packed block of B (kcBlock × ncBlock floats = 128 KiB, in L2).
private let ncBlock = 128

private typealias V8 = SIMD8<Float>

/// Per-thread scratch for the packed B block and the carried partial sums.
private final class GemmScratch {
    var packed: UnsafeMutablePointer<Float>
    var packedCount: Int
    var partial: UnsafeMutablePointer<Float>
    var partialCount: Int

    init() {
        packedCount = kcBlock * ncBlock
        packed = .allocate(capacity: packedCount)
        partialCount = 0
        partial = .allocate(capacity: 1)
    }

    deinit { packed.deallocate(); partial.deallocate() }

    func partialBuffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > partialCount {
            partial.deallocate()
            partial = .allocate(capacity: count)
            partialCount = count
        }
        return partial
    }
}

private let scratchKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { p in
        if let p { Unmanaged<GemmScratch>.fromOpaque(p).release() }
    }
    return key
}()

private func threadScratch() -> GemmScratch {
    if let p = pthread_getspecific(scratchKey) { return Unmanaged<GemmScratch>.fromOpaque(p).takeUnretainedValue() }
    let s = GemmScratch()
    pthread_setspecific(scratchKey, Unmanaged.passRetained(s).toOpaque())
    return s
}

/// C[M, N] = alpha · op(A) · op(B) + beta · C, row-major, single-threaded, with the fixed
/// per-element order described at the top of this file.
func portableSgemm(transA: Bool, transB: Bool, _ m: Int, _ n: Int, _ k: Int, alpha: Float,
                   _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                   beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // The empty sum is +0: C = alpha·0 (+ beta·C), as the general path would give.
        for i in 0..<m {
            for j in 0..<n { c[i * ldc + j] = finish(0, alpha: alpha, beta: beta, c[i * ldc + j]) }
        }
        return
    }
    // A(i, k) = a[i·aRow + k·aK]
    let aRow = transA ? 1 : lda, aK = transA ? lda : 1
    let scratch = threadScratch()
    let packed = scratch.packed
    let multiBlock = k > kcBlock
    for jc in stride(from: 0, to: n, by: ncBlock) {
        let nc = min(ncBlock, n - jc)
        let panels = (nc + nr - 1) / nr
        // Partial sums of this column block, tile by tile: [row strip][panel][mr][nr].
        let strips = (m + mr - 1) / mr
        let partial = multiBlock ? scratch.partialBuffer(strips * panels * mr * nr) : packed
        for pc in stride(from: 0, to: k, by: kcBlock) {
            let kc = min(kcBlock, k - pc)
            packB(packed, b, ldb, transB: transB, k0: pc, kc: kc, j0: jc, nc: nc)
            let first = pc == 0, last = pc + kc == k
            for s in 0..<strips {
                let i0 = s * mr
                let rows = min(mr, m - i0)
                let aStrip = a + i0 * aRow + pc * aK
                for p in 0..<panels {
                    let j0 = jc + p * nr
                    let cols = min(nr, n - j0)
                    let tile = partial + (s * panels + p) * mr * nr
                    microKernel(kc: kc, a: aStrip, aRow: aRow, aK: aK, rows: rows, b: packed + p * kc * nr,
                                load: first ? nil : UnsafePointer(tile),
                                store: last ? nil : tile,
                                c: c + i0 * ldc + j0, ldc: ldc, cols: cols, alpha: alpha, beta: beta)
                }
            }
        }
    }
}

/// Packs B(k0..<k0+kc, j0..<j0+nc) into 16-column panels, each kc rows of 16 floats, zeros past nc.
@inline(__always)
private func packB(_ dst: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ ldb: Int, transB: Bool,
                   k0: Int, kc: Int, j0: Int, nc: Int) {
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
                    store8(row, load8(src))
                    store8(row + 8, load8(src + 8))
                } else {
                    for jj in 0..<cols { row[jj] = src[jj] }
                    for jj in cols..<nr { row[jj] = 0 }
                }
            }
        }
    }
}

@inline(__always)
private func finish(_ acc: Float, alpha: Float, beta: Float, _ old: Float) -> Float {
    let scaled = alpha == 1 ? acc : alpha * acc
    if beta == 0 { return scaled }
    return scaled + (beta == 1 ? old : beta * old)
}

@inline(__always)
private func finish8(_ acc: V8, alpha: Float, beta: Float, _ old: V8) -> V8 {
    let scaled = alpha == 1 ? acc : acc * V8(repeating: alpha)
    if beta == 0 { return scaled }
    return scaled + (beta == 1 ? old : old * V8(repeating: beta))
}

/// One 6×16 tile over kc steps of K. Accumulators start at zero or at `load` (the tile's partial
/// sums from the previous K block); they end in `store` (more K blocks follow) or in C.
/// Rows past `rows` read row 0 again and are discarded; columns past `cols` are zero in the panel
/// and discarded.
@inline(__always)
private func microKernel(kc: Int, a: UnsafePointer<Float>, aRow: Int, aK: Int, rows: Int,
                         b: UnsafePointer<Float>, load: UnsafePointer<Float>?, store: UnsafeMutablePointer<Float>?,
                         c: UnsafeMutablePointer<Float>, ldc: Int, cols: Int, alpha: Float, beta: Float) {
    let a0 = a
    let a1 = a + (rows > 1 ? aRow : 0)
    let a2 = a + (rows > 2 ? 2 * aRow : 0)
    let a3 = a + (rows > 3 ? 3 * aRow : 0)
    let a4 = a + (rows > 4 ? 4 * aRow : 0)
    let a5 = a + (rows > 5 ? 5 * aRow : 0)
    var c00 = V8(), c01 = V8(), c10 = V8(), c11 = V8(), c20 = V8(), c21 = V8()
    var c30 = V8(), c31 = V8(), c40 = V8(), c41 = V8(), c50 = V8(), c51 = V8()
    if let load {
        c00 = load8(load); c01 = load8(load + 8); c10 = load8(load + 16); c11 = load8(load + 24)
        c20 = load8(load + 32); c21 = load8(load + 40); c30 = load8(load + 48); c31 = load8(load + 56)
        c40 = load8(load + 64); c41 = load8(load + 72); c50 = load8(load + 80); c51 = load8(load + 88)
    }
    var pb = b
    var off = 0
    for _ in 0..<kc {
        let b0 = load8(pb), b1 = load8(pb + 8)
        var x = V8(repeating: a0[off])
        c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
        x = V8(repeating: a1[off])
        c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
        x = V8(repeating: a2[off])
        c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
        x = V8(repeating: a3[off])
        c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
        x = V8(repeating: a4[off])
        c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
        x = V8(repeating: a5[off])
        c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
        pb += nr
        off += aK
    }
    if let store {
        store8(store, c00); store8(store + 8, c01); store8(store + 16, c10); store8(store + 24, c11)
        store8(store + 32, c20); store8(store + 40, c21); store8(store + 48, c30); store8(store + 56, c31)
        store8(store + 64, c40); store8(store + 72, c41); store8(store + 80, c50); store8(store + 88, c51)
        return
    }
    @inline(__always)
    func write(_ r: Int, _ lo: V8, _ hi: V8) {
        guard r < rows else { return }
        let row = c + r * ldc
        if cols == nr {
            store8(row, finish8(lo, alpha: alpha, beta: beta, beta == 0 ? V8() : load8(row)))
            store8(row + 8, finish8(hi, alpha: alpha, beta: beta, beta == 0 ? V8() : load8(row + 8)))
        } else {
            for j in 0..<cols {
                let acc = j < 8 ? lo[j] : hi[j - 8]
                row[j] = finish(acc, alpha: alpha, beta: beta, beta == 0 ? 0 : row[j])
            }
        }
    }
    write(0, c00, c01); write(1, c10, c11); write(2, c20, c21)
    write(3, c30, c31); write(4, c40, c41); write(5, c50, c51)
}
