import XCTest
@testable import RetainEngine

/// Central finite differences on chosen coordinates of `x`, compared with an analytic gradient.
/// `loss` must recompute the scalar from the current contents of `x`.
func assertGradientMatches(_ name: String, x: UnsafeMutablePointer<Float>, analytic: UnsafePointer<Float>,
                           indices: [Int], step: Float = 1e-2, relTol: Double = 2e-2, absTol: Double = 2e-4,
                           loss: () -> Double, file: StaticString = #filePath, line: UInt = #line) {
    var worst = 0.0
    for i in indices {
        let saved = x[i]
        x[i] = saved + step
        let up = loss()
        x[i] = saved - step
        let down = loss()
        x[i] = saved
        let numeric = (up - down) / (2 * Double(step))
        let a = Double(analytic[i])
        let err = abs(numeric - a)
        worst = max(worst, err / max(abs(numeric), abs(a), 1e-8))
        if err > absTol + relTol * max(abs(numeric), abs(a)) {
            XCTFail("\(name)[\(i)]: analytic \(a) vs numeric \(numeric)", file: file, line: line)
            return
        }
    }
}

/// A spread of coordinates in [0, n): all of them when n is small, otherwise a seeded sample.
func sampleIndices(_ n: Int, count: Int = 24, seed: UInt64 = 7) -> [Int] {
    if n <= count { return Array(0..<n) }
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in Int(rng.next() % UInt64(n)) }
}

func randomBuffer(_ n: Int, seed: UInt64, scale: Float = 1) -> FloatBuffer {
    let b = FloatBuffer(count: n)
    var rng = SeededRandom(seed: seed)
    for i in 0..<n { b[i] = rng.nextGaussian() * scale }
    return b
}

/// Σ dy·y in double precision: the scalar whose gradient w.r.t. y is dy.
func projected(_ y: FloatBuffer, _ dy: FloatBuffer) -> Double {
    var s = 0.0
    for i in 0..<y.count { s += Double(y[i]) * Double(dy[i]) }
    return s
}
