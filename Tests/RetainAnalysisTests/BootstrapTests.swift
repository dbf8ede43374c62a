import XCTest
import RetainCore
@testable import RetainAnalysis

final class BootstrapTests: XCTestCase {
    // 400 items: n10 = 60 forgotten, n01 = 20 learned, n11 = 200, n00 = 120. Δ = −40/400 = −0.1.
    // Normal approximation for a paired difference: SE = √((p10 + p01 − (p01 − p10)²)/n)
    //   = √((0.15 + 0.05 − 0.01)/400) = √0.000475 = 0.021794, so 95% CI ≈ −0.1 ± 0.042717
    //   = [−0.142717, −0.057283].
    let items = makeOutcomes(family: "f", n00: 120, n01: 20, n10: 60, n11: 200)

    func testSameSeedGivesIdenticalInterval() throws {
        let a = try PairedBootstrap.deltaInterval(items, resamples: 2000, seed: 42)
        let b = try PairedBootstrap.deltaInterval(items, resamples: 2000, seed: 42)
        XCTAssertEqual(a, b)
    }

    func testDifferentSeedGivesDifferentButCloseInterval() throws {
        let a = try PairedBootstrap.deltaInterval(items, resamples: 2000, seed: 1)
        let b = try PairedBootstrap.deltaInterval(items, resamples: 2000, seed: 2)
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a.lower, b.lower, accuracy: 0.01)
        XCTAssertEqual(a.upper, b.upper, accuracy: 0.01)
    }

    func testIntervalCoversDeltaAndMatchesNormalApproximation() throws {
        let ci = try PairedBootstrap.deltaInterval(items, resamples: 4000, seed: 7)
        XCTAssertTrue(ci.contains(-0.1))
        XCTAssertEqual(ci.level, 0.95)
        XCTAssertEqual(ci.lower, -0.142717, accuracy: 0.008)
        XCTAssertEqual(ci.upper, -0.057283, accuracy: 0.008)
    }

    func testNoChangeGivesDegenerateIntervalAtZero() throws {
        let ci = try PairedBootstrap.deltaInterval(makeOutcomes(family: "f", n00: 5, n11: 5), resamples: 100, seed: 3)
        XCTAssertEqual(ci.lower, 0)
        XCTAssertEqual(ci.upper, 0)
    }

    func testCompareIsIndependentOfInputOrder() throws {
        let (before, after) = unpair(items)
        var rng = WorldRandom(seed: 99)
        let a = try compare(arm: "a", seed: 1, benchmark: "b", before: before, after: after, k: 4,
                            bootstrapSeed: 5, resamples: 300)
        let b = try compare(arm: "a", seed: 1, benchmark: "b", before: rng.shuffled(before), after: rng.shuffled(after),
                            k: 4, bootstrapSeed: 5, resamples: 300)
        XCTAssertEqual(a, b)
    }

    func testQuantileInterpolatesLikeNumpy() {
        // numpy.quantile([1, 2, 3, 4], 0.25) = 1 + 0.75 · (2 − 1) = 1.75 (h = 3 · 0.25 = 0.75).
        XCTAssertEqual(PairedBootstrap.quantile(sorted: [1, 2, 3, 4], 0.25), 1.75, accuracy: 1e-15)
        XCTAssertEqual(PairedBootstrap.quantile(sorted: [1, 2, 3, 4], 1), 4)
        XCTAssertEqual(PairedBootstrap.quantile(sorted: [1, 2, 3, 4], 0), 1)
    }

    func testEmptyInputThrows() {
        XCTAssertThrowsError(try PairedBootstrap.deltaInterval([], seed: 1))
    }
}
