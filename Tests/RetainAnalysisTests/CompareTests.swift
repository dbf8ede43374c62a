import XCTest
@testable import RetainAnalysis

/// `compare` end to end on a hand-computed two-family benchmark.
///
/// Family "arith" (k = 4, 10 items): n11 5, n10 2, n01 1, n00 2 → acc 0.7 → 0.6, Δ −0.1,
///   F 0.2, BT 0.1, spurious 0.3·0.4/3 = 0.04, Fadj 0.16, BTadj 0.06,
///   McNemar b 2 c 1: 2·P(X ≤ 1 | Bin(3, ½)) = 2·4/8 → capped at 1.
/// Family "yesno" (k = 2, 10 items): n11 3, n10 4, n01 0, n00 3 → acc 0.7 → 0.3, Δ −0.4,
///   F 0.4, BT 0, spurious 0.3·0.7/1 = 0.21, Fadj 0.19, BTadj 0, McNemar b 4 c 0: 2/16 = 0.125.
/// Whole (20 items): n11 8, n10 6, n01 1, n00 5 → acc 0.7 → 0.45, Δ −0.25, F 0.3, BT 0.05,
///   spurious stratified 0.5·0.04 + 0.5·0.21 = 0.125, Fadj 0.175, BTadj 0,
///   McNemar b 6 c 1: 2·(1 + 7)/128 = 0.125, discordance 7/20 = 0.35.
/// Holm across the two families: sorted 0.125·2 = 0.25, then max(0.25, 1·1) = 1.
final class CompareTests: XCTestCase {
    let items = makeOutcomes(family: "arith", n00: 2, n01: 1, n10: 2, n11: 5)
        + makeOutcomes(family: "yesno", n00: 3, n01: 0, n10: 4, n11: 3)
    let k: ChoiceCount = .perFamily(["arith": 4, "yesno": 2])

    private func runCompare(seed: UInt64 = 11) throws -> ArmComparison {
        let (before, after) = unpair(items)
        return try compare(arm: "domain-only", seed: 3, benchmark: "general", variant: .mcNorm,
                           before: before, after: after, k: k, bootstrapSeed: seed, resamples: 500)
    }

    func testWholeBenchmarkMetrics() throws {
        let c = try runCompare()
        XCTAssertEqual(c.arm, "domain-only")
        XCTAssertEqual(c.seed, 3)
        XCTAssertEqual(c.variant, .mcNorm)
        XCTAssertNil(c.family)
        XCTAssertEqual(c.n, 20)
        XCTAssertEqual(c.transitions, TransitionCounts(n00: 5, n01: 1, n10: 6, n11: 8))
        XCTAssertEqual(c.accBefore, 0.7, accuracy: 1e-15)
        XCTAssertEqual(c.accAfter, 0.45, accuracy: 1e-15)
        XCTAssertEqual(c.delta, -0.25, accuracy: 1e-15)
        XCTAssertEqual(c.F, 0.3, accuracy: 1e-15)
        XCTAssertEqual(c.BT, 0.05, accuracy: 1e-15)
        XCTAssertEqual(c.spurious, 0.125, accuracy: 1e-15)
        XCTAssertEqual(c.Fadj, 0.175, accuracy: 1e-15)
        XCTAssertEqual(c.BTadj, 0)
        XCTAssertEqual(c.pMcNemar, 0.125, accuracy: 1e-15)
        XCTAssertNil(c.pHolm)
        // Δ lies strictly inside; with 6 of 7 changes being losses the interval reaches 0 at most
        // (a resample without more losses than gains is a ~3% event, hence the ≤).
        XCTAssertLessThan(c.ci.lower, c.delta)
        XCTAssertLessThan(c.delta, c.ci.upper)
        XCTAssertLessThanOrEqual(c.ci.upper, 0)
        XCTAssertEqual(c.mde, McNemar.minimumDetectableEffect(n: 20, discordance: 0.35))
        XCTAssertEqual(c.bootstrapSeed, 11)
        XCTAssertEqual(c.resamples, 500)
    }

    func testPerFamilyBreakdown() throws {
        let c = try runCompare()
        XCTAssertEqual(c.families.map(\.family), ["arith", "yesno"])
        let arith = c.families[0], yesno = c.families[1]
        XCTAssertEqual(arith.n, 10)
        XCTAssertEqual(arith.delta, -0.1, accuracy: 1e-15)
        XCTAssertEqual(arith.spurious, 0.04, accuracy: 1e-15)
        XCTAssertEqual(arith.Fadj, 0.16, accuracy: 1e-15)
        XCTAssertEqual(arith.BTadj, 0.06, accuracy: 1e-15)
        XCTAssertEqual(arith.pMcNemar, 1)
        XCTAssertEqual(yesno.delta, -0.4, accuracy: 1e-15)
        XCTAssertEqual(yesno.spurious, 0.21, accuracy: 1e-15)
        XCTAssertEqual(yesno.Fadj, 0.19, accuracy: 1e-15)
        XCTAssertEqual(yesno.BTadj, 0)
        XCTAssertEqual(yesno.pMcNemar, 0.125, accuracy: 1e-15)
        XCTAssertEqual(arith.pHolm ?? .nan, 1, accuracy: 1e-15)
        XCTAssertEqual(yesno.pHolm ?? .nan, 0.25, accuracy: 1e-15)
        XCTAssertTrue(c.families.allSatisfy { $0.families.isEmpty && $0.arm == c.arm && $0.seed == c.seed })
        // Families get their own bootstrap streams.
        XCTAssertNotEqual(arith.bootstrapSeed, yesno.bootstrapSeed)
        XCTAssertNotEqual(arith.bootstrapSeed, c.bootstrapSeed)
    }

    func testBootstrapSeedDrivesOnlyTheInterval() throws {
        let a = try runCompare(seed: 11), b = try runCompare(seed: 11), other = try runCompare(seed: 12)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.delta, other.delta)
        XCTAssertEqual(a.pMcNemar, other.pMcNemar)
        XCTAssertNotEqual(a.bootstrapSeed, other.bootstrapSeed)
    }

    func testMismatchedItemSetsNameTheMissingID() {
        var (before, after) = unpair(items)
        after.removeAll { $0.itemID == "yesno-004" }
        XCTAssertThrowsError(try compare(arm: "a", seed: 1, benchmark: "b", before: before, after: after, k: k,
                                         bootstrapSeed: 1)) { error in
            XCTAssertEqual(error as? AnalysisError, .missingAfter(itemID: "yesno-004"))
            XCTAssertTrue("\(error)".contains("yesno-004"))
        }
        XCTAssertThrowsError(try compare(arm: "a", seed: 1, benchmark: "b", before: [], after: [], k: 4,
                                         bootstrapSeed: 1))
        XCTAssertThrowsError(try compare(arm: "a", seed: 1, benchmark: "b", outcomes: items + [items[0]], k: k,
                                         bootstrapSeed: 1)) { error in
            XCTAssertEqual(error as? AnalysisError, .duplicateItem(itemID: items[0].itemID, side: "paired"))
        }
    }

    func testOutOfRangeSettingsThrowInsteadOfTrapping() {
        // The package builds with -Ounchecked, so these must be errors, not preconditions.
        let settings: [(resamples: Int, level: Double, alpha: Double, power: Double)] =
            [(1, 0.95, 0.05, 0.8), (100, 1.0, 0.05, 0.8), (100, 0.95, 0, 0.8), (100, 0.95, 0.05, 0.4)]
        for s in settings {
            XCTAssertThrowsError(try compare(arm: "a", seed: 1, benchmark: "b", outcomes: items, k: k, bootstrapSeed: 1,
                                             resamples: s.resamples, level: s.level, alpha: s.alpha,
                                             power: s.power)) { error in
                guard case .invalidParameter = error as? AnalysisError else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try SampleSummary([0.1, 0.2], level: 0))
    }

    func testApplyingHolmAcrossBenchmarksWithinArmAndSeed() throws {
        let base = try runCompare()
        var comparisons: [ArmComparison] = []
        // Arm "domain-only", seed 3: three benchmarks with raw p 0.01, 0.04, 0.03.
        for (name, p) in [("b1", 0.01), ("b2", 0.04), ("b3", 0.03)] {
            var c = base
            c.benchmark = name
            c.pMcNemar = p
            comparisons.append(c)
        }
        // Another arm is a separate family of tests: its single p stays as it is.
        var other = base
        other.arm = "replay"
        other.pMcNemar = 0.02
        comparisons.insert(other, at: 1)
        let adjusted = applyingHolm(comparisons)
        // Sorted 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → running max 0.03, 0.06, 0.06.
        XCTAssertEqual(adjusted.map(\.benchmark), ["b1", "general", "b2", "b3"])
        XCTAssertEqual(adjusted[0].pHolm ?? .nan, 0.03, accuracy: 1e-15)
        XCTAssertEqual(adjusted[1].pHolm ?? .nan, 0.02, accuracy: 1e-15)
        XCTAssertEqual(adjusted[2].pHolm ?? .nan, 0.06, accuracy: 1e-15)
        XCTAssertEqual(adjusted[3].pHolm ?? .nan, 0.06, accuracy: 1e-15)
        // Family-level Holm values are untouched.
        XCTAssertEqual(adjusted[0].families.map(\.pHolm), base.families.map(\.pHolm))
    }

    func testJSONRoundTripUsesTheDocumentedKeys() throws {
        let c = applyingHolm([try runCompare()])[0]
        let data = try JSONEncoder().encode(c)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["arm", "seed", "benchmark", "variant", "n", "accBefore", "accAfter", "delta", "ci",
                    "transitions", "F", "BT", "Fadj", "BTadj", "pMcNemar", "pHolm", "mde", "families"] {
            XCTAssertNotNil(object[key], key)
        }
        XCTAssertEqual(object["variant"] as? String, "mcNorm")
        XCTAssertEqual(try JSONDecoder().decode(ArmComparison.self, from: data), c)
    }

    func testDisplayLineSpeaksInPointsAndShowsTheNoiseFloor() throws {
        let noise = try NoiseFloor(accuracies: [0.69, 0.70, 0.71])
        let line = Display.line(try runCompare(), noise: noise)
        XCTAssertTrue(line.hasPrefix("70.00 → 45.00  Δ -25.00 pts ["), line)
        XCTAssertTrue(line.contains("F 30.00 BT 5.00"), line)
        XCTAssertTrue(line.contains("noise sd 1.00 range 2.00"), line)
        XCTAssertEqual(Display.signedPoints(0.0123), "+1.23")
    }
}
