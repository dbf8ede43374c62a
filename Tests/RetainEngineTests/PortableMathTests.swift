import Foundation
import RetainPortableMath
import XCTest
@testable import RetainEngine

/// PortableMath against the C library's functions (which it replaces because their last bits vary
/// by CPU): within a few ulps over the ranges the project uses, and exact at the special values.
final class PortableMathTests: XCTestCase {
    private func ulps(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        return abs(a - b) / max(abs(b).ulp, Double.leastNormalMagnitude)
    }

    private func samples(_ range: ClosedRange<Double>, count: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUnitDouble() }
    }

    func testExpMatchesLibm() {
        var worst = 0.0
        for x in samples(-700...700, count: 20_000, seed: 1) + samples(-2...2, count: 20_000, seed: 2) + [0, 1, -1, 1e-300, -1e-300] {
            worst = max(worst, ulps(PortableMath.exp(x), Foundation.exp(x)))
        }
        XCTAssertLessThanOrEqual(worst, 2, "exp worst error \(worst) ulp")
        XCTAssertEqual(PortableMath.exp(0), 1)
        XCTAssertEqual(PortableMath.exp(-1000), 0)
        XCTAssertEqual(PortableMath.exp(1000), .infinity)
        XCTAssertTrue(PortableMath.exp(.nan).isNaN)
        // Subnormal results are rounded once, close to libm's.
        for x in [-708.5, -720.0, -740.0, -744.0] {
            XCTAssertLessThanOrEqual(abs(PortableMath.exp(x) - Foundation.exp(x)), 2 * Double.leastNonzeroMagnitude, "\(x)")
        }
        XCTAssertLessThanOrEqual(ulps(PortableMath.exp(709.7), Foundation.exp(709.7)), 2)
    }

    func testLogMatchesLibm() {
        var worst = 0.0
        let wide = samples(-700...700, count: 20_000, seed: 4).map { Foundation.exp($0) }
        let special: [Double] = [1, 2, 0.5, 1e-310, Double.greatestFiniteMagnitude, 1.0000001, 0.9999999]
        let xs = samples(1e-6...10, count: 20_000, seed: 3) + wide + special
        for x in xs { worst = max(worst, ulps(PortableMath.log(x), Foundation.log(x))) }
        XCTAssertLessThanOrEqual(worst, 2, "log worst error \(worst) ulp")
        XCTAssertEqual(PortableMath.log(1), 0)
        XCTAssertEqual(PortableMath.log(0), -.infinity)
        XCTAssertTrue(PortableMath.log(-1).isNaN)
    }

    func testSinCosMatchLibm() {
        // Angles of the rotary tables (positions up to a few thousand) and Box–Muller (0 to 2π).
        var worst = 0.0
        for x in samples(-5000...5000, count: 20_000, seed: 5) + samples(0...(2 * .pi), count: 20_000, seed: 6) {
            let (s, c) = PortableMath.sinCos(x)
            // Absolute error in units of the result's magnitude scale (sin near a root is tiny).
            worst = max(worst, abs(s - Foundation.sin(x)) / 1.0.ulp, abs(c - Foundation.cos(x)) / 1.0.ulp)
        }
        XCTAssertLessThanOrEqual(worst, 4, "sin/cos worst absolute error \(worst) × 2⁻⁵²")
        XCTAssertEqual(PortableMath.sin(0), 0)
        XCTAssertEqual(PortableMath.cos(0), 1)
    }

    func testPowMatchesLibm() {
        var worst = 0.0
        for (i, x) in samples(0.5...20_000, count: 5_000, seed: 7).enumerated() {
            let y = -Double(i % 64) / 64
            worst = max(worst, ulps(PortableMath.pow(x, y), Foundation.pow(x, y)))
        }
        XCTAssertLessThanOrEqual(worst, 64, "pow worst error \(worst) ulp")
        // Repeated squaring (AdamW's bias corrections) compounds rounding: relative error ≤ 1e-12 to step 5,000.
        for n in 0..<5000 {
            let exact = Foundation.pow(0.95, Double(n))
            XCTAssertLessThanOrEqual(abs(PortableMath.pow(0.95, n) - exact) / exact, 1e-12, "0.95^\(n)")
        }
        XCTAssertEqual(PortableMath.pow(2.0, 10), 1024)
        XCTAssertEqual(PortableMath.pow(2.0, -2), 0.25)
    }
}
