// Vectorised reductions with a fixed accumulation order (eight lanes, then the tail), so they are
// fast and deterministic. Plain scalar loops over floats do not vectorise: FP addition is not
// reassociated by the compiler.

/// Σ x[i]
@inline(__always)
func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 8 <= n {
        acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var s = acc.sum()
    while i < n { s += x[i]; i += 1 }
    return s
}

/// max x[i] (−∞ for n = 0)
@inline(__always)
func maxValue(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= n {
        acc = pointwiseMax(acc, UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
        i += 8
    }
    var m = acc.max()
    while i < n { m = Swift.max(m, x[i]); i += 1 }
    return m
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
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// y[i] = e^(x[i] − shift), in place when y == x.
@inline(__always)
func expShifted(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, shift: Float) {
    for i in 0..<n { y[i] = fastExp(x[i] - shift) }
}
