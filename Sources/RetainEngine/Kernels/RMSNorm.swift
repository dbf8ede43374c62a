import Foundation

// RMSNorm: y = x / sqrt(mean(x²) + eps) · w, row by row over [R, C].

/// Writes y[R, C] and the per-row reciprocal RMS `rstd[R]` (kept for the backward pass).
func rmsnormForward(_ y: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                    _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, rows: Int, dim C: Int, eps: Float) {
    parallelChunks(rows, minPerChunk: 16) { _, range in
        for r in range {
            let xr = x + r * C, yr = y + r * C
            let ss = sumOfSquares(xr, C)
            let s = 1 / (ss / Float(C) + eps).squareRoot()
            rstd[r] = s
            for i in 0..<C { yr[i] = xr[i] * s * w[i] }
        }
    }
}

/// dx[R, C] (+)= ∂L/∂x and dw[C] += ∂L/∂w, given dy, the forward input x and rstd.
///   x̂ = x·rstd,  dx = rstd · (dy·w − x̂ · mean(dy·w·x̂)),  dw = Σ_rows dy·x̂
func rmsnormBackward(_ dx: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>,
                     _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                     _ rstd: UnsafePointer<Float>, rows: Int, dim C: Int, accumulate: Bool) {
    /// Row r's dx, and its dy·x̂ added into the block partial `pw`.
    @inline(__always)
    func rmsnormBackwardRow(_ r: Int, _ pw: UnsafeMutablePointer<Float>) {
        let xr = x + r * C, dyr = dy + r * C, dxr = dx + r * C
        let s = rstd[r]
        // Eight-lane accumulators: a scalar `dot +=` is one serial add chain (no reassociation).
        var acc = SIMD8<Float>(repeating: 0)
        let sv = SIMD8<Float>(repeating: s)
        var i = 0
        while i + 8 <= C {
            let xv = UnsafeRawPointer(xr + i).loadUnaligned(as: SIMD8<Float>.self)
            let dyv = UnsafeRawPointer(dyr + i).loadUnaligned(as: SIMD8<Float>.self)
            let wv = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD8<Float>.self)
            let xhat = xv * sv
            acc += dyv * wv * xhat
            let pv = UnsafeRawPointer(pw + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(pw + i).storeBytes(of: pv + dyv * xhat, as: SIMD8<Float>.self)
            i += 8
        }
        var dot = horizontalSum(acc)
        while i < C {
            let xhat = xr[i] * s
            let g = dyr[i] * w[i]
            dot += g * xhat
            pw[i] += dyr[i] * xhat
            i += 1
        }
        let m = dot / Float(C)
        if accumulate {
            for i in 0..<C { dxr[i] += s * (dyr[i] * w[i] - xr[i] * s * m) }
        } else {
            for i in 0..<C { dxr[i] = s * (dyr[i] * w[i] - xr[i] * s * m) }
        }
    }
    // dw sums over rows: fixed 64-row blocks (independent of the thread count), each summed in row
    // order into its own partial, then the partials added in block order.
    let blockRows = 64
    let blocks = (rows + blockRows - 1) / blockRows
    let partial = FloatBuffer(count: blocks * C)
    parallelChunks(blocks) { _, blockRange in
        for block in blockRange {
            let pw = partial.pointer + block * C
            for r in (block * blockRows)..<min(rows, (block + 1) * blockRows) {
                rmsnormBackwardRow(r, pw)
            }
        }
    }
    for c in 0..<blocks {
        let pw = partial.pointer + c * C
        for i in 0..<C { dw[i] += pw[i] }
    }
}
