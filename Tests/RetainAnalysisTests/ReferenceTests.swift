import XCTest
@testable import RetainAnalysis

/// Checks the numerical routines against values computed independently by scipy / statsmodels
/// (see ReferenceValues.swift and Fixtures/make_reference.py).
final class ReferenceTests: XCTestCase {
    func testMcNemarMatchesScipyBinomtest() {
        XCTAssertGreaterThanOrEqual(ReferenceValues.mcNemar.count, 20)
        for ref in ReferenceValues.mcNemar {
            let p = McNemar.exactPValue(b: ref.b, c: ref.c)
            if ref.p == 0 {
                XCTAssertLessThan(p, 1e-300, "(\(ref.b), \(ref.c))")
            } else {
                XCTAssertEqual(p, ref.p, accuracy: 1e-9 * ref.p, "(\(ref.b), \(ref.c))")
            }
        }
    }

    func testMcNemarLogPValueStaysFiniteWhereThePValueUnderflows() {
        for ref in ReferenceValues.mcNemar {
            let logP = McNemar.exactLogPValue(b: ref.b, c: ref.c)
            XCTAssertTrue(logP.isFinite, "(\(ref.b), \(ref.c))")
            XCTAssertEqual(logP, ref.logP, accuracy: 1e-8 * max(1, abs(ref.logP)), "(\(ref.b), \(ref.c))")
        }
    }

    func testMcNemarEdgeCasesByHand() {
        // No discordant pairs: p = 1 by definition.
        XCTAssertEqual(McNemar.exactPValue(b: 0, c: 0), 1)
        // b = 5, c = 0: P(X <= 0) = 1/32 for X ~ Bin(5, 1/2), p = 2/32 = 0.0625.
        XCTAssertEqual(McNemar.exactPValue(b: 5, c: 0), 0.0625, accuracy: 1e-15)
        // b = 6, c = 1: P(X <= 1) = (1 + 7)/128 for Bin(7, 1/2), p = 16/128 = 0.125.
        XCTAssertEqual(McNemar.exactPValue(b: 6, c: 1), 0.125, accuracy: 1e-15)
        // Symmetric in b and c, and never above 1.
        XCTAssertEqual(McNemar.exactPValue(b: 12, c: 31), McNemar.exactPValue(b: 31, c: 12))
        XCTAssertEqual(McNemar.exactPValue(b: 7, c: 8), 1)
    }

    func testStudentTQuantileMatchesScipy() {
        for ref in ReferenceValues.t975 {
            XCTAssertEqual(SpecialFunctions.studentTQuantile(0.975, df: ref.df), ref.q, accuracy: 1e-9 * ref.q,
                           "df \(ref.df)")
        }
        for ref in ReferenceValues.tOther {
            XCTAssertEqual(SpecialFunctions.studentTQuantile(ref.p, df: ref.df), ref.q,
                           accuracy: 1e-9 * abs(ref.q), "p \(ref.p) df \(ref.df)")
        }
    }

    func testStudentTCDFInvertsTheQuantile() {
        for ref in ReferenceValues.tOther {
            XCTAssertEqual(SpecialFunctions.studentTCDF(ref.q, df: ref.df), ref.p, accuracy: 1e-10)
        }
    }

    func testNormalQuantileMatchesScipy() {
        for ref in ReferenceValues.normalQuantile {
            XCTAssertEqual(SpecialFunctions.normalQuantile(ref.p), ref.z, accuracy: 1e-12 * max(1, abs(ref.z)),
                           "p \(ref.p)")
        }
    }

    func testIncompleteBetaMatchesScipy() {
        for ref in ReferenceValues.incompleteBeta {
            XCTAssertEqual(SpecialFunctions.regularizedIncompleteBeta(ref.x, a: ref.a, b: ref.b), ref.value,
                           accuracy: 1e-12, "x \(ref.x) a \(ref.a) b \(ref.b)")
        }
    }

    func testHolmMatchesStatsmodels() {
        for ref in ReferenceValues.holm {
            let adjusted = Holm.adjust(ref.raw)
            XCTAssertEqual(adjusted.count, ref.adjusted.count)
            for (got, want) in zip(adjusted, ref.adjusted) { XCTAssertEqual(got, want, accuracy: 1e-12) }
        }
    }

    func testHolmByHandIsMonotoneAndCapped() {
        // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04;
        // running max gives 0.02, 0.03, 0.06, 0.06 (the last is lifted to keep monotone order).
        let adjusted = Holm.adjust([0.01, 0.04, 0.03, 0.005])
        let want = [0.03, 0.06, 0.06, 0.02]
        for (got, w) in zip(adjusted, want) { XCTAssertEqual(got, w, accuracy: 1e-15) }
        // 0.5 · 3 = 1.5 is capped at 1.
        let capped = Holm.adjust([0.5, 0.9, 0.001])
        XCTAssertEqual(capped[0], 1)
        XCTAssertEqual(capped[1], 1)
        XCTAssertEqual(capped[2], 0.003, accuracy: 1e-15)
        XCTAssertEqual(Holm.adjust([]), [])
    }

    func testMinimumDetectableEffectMatchesRootFinderOnConnorsFormula() {
        for ref in ReferenceValues.mde {
            let delta = McNemar.minimumDetectableEffect(n: ref.n, discordance: ref.d, alpha: ref.alpha, power: ref.power)
            XCTAssertNotNil(delta)
            XCTAssertEqual(delta ?? .nan, ref.delta, accuracy: 1e-10, "n \(ref.n) d \(ref.d)")
            XCTAssertEqual(McNemar.requiredItems(delta: ref.delta, discordance: ref.d, alpha: ref.alpha, power: ref.power),
                           Double(ref.n), accuracy: 1e-6 * Double(ref.n))
        }
    }
}
