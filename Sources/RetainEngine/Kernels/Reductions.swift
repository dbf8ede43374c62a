// Vectorised reductions with a fixed accumulation order (eight lanes, then an explicit pairwise
// horizontal sum, then the tail), so they are fast and give the same bits on every machine.
// Plain scalar loops over floats do not vectorise: FP addition is not reassociated by the compiler.
// `SIMD.sum()` is never used: its order is the compiler's to choose.

/// (v0 + v4) + (v2 + v6) + ((v1 + v5) + (v3 + v7)): the one horizontal-sum order of the engine.
@inline(__always)
func horizontalSum(_ v: SIMD8<Float>) -> Float {
    ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]))
}

/// Σ x[i]
@inline(__always)
func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n {
        acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var s = horizontalSum(acc)
    while i < n { s += x[i]; i += 1 }
    return s
}

/// max x[i] (−∞ for n = 0)
@inline(__always)
func maxValue(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    // Four independent scalar maxima (generic SIMD pointwiseMax was not inlined: 2% of a step).
    var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0
    var i = 0
    while i + 4 <= n {
        m0 = x[i] > m0 ? x[i] : m0
        m1 = x[i + 1] > m1 ? x[i + 1] : m1
        m2 = x[i + 2] > m2 ? x[i + 2] : m2
        m3 = x[i + 3] > m3 ? x[i + 3] : m3
        i += 4
    }
    while i < n { m0 = x[i] > m0 ? x[i] : m0; i += 1 }
    return Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
}

/// Σ x[i]² with eight independent accumulators.
@inline(__always)
func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    dotProduct(x, x, n)
}

/// Σ a[i]·b[i] with eight independent accumulators.
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n {
        acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var s = horizontalSum(acc)
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// y[i] = e^(x[i] − shift). `y` and `x` must not overlap: for an overlapping pair the compiler
/// falls back to a scalar loop (measured 5× slower); use `expShiftedInPlace` instead.
@inline(__always)
func expShifted(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, shift: Float) {
    for i in 0..<n { y[i] = fastExp(x[i] - shift) }
}

/// x[i] = e^(x[i] − shift); one pointer, so the loop vectorises without an aliasing check.
@inline(__always)
func expShiftedInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) {
    for i in 0..<n { x[i] = fastExp(x[i] - shift) }
}
