import XCTest
import RetainCore
@testable import RetainAnalysis

/// `PairedComparison`, `KeyComparisons` and `FindingRules` against values computed by hand.
final class PairedComparisonTests: XCTestCase {
    /// Outcomes "<bench>-0", "<bench>-1", … from 0/1 digits.
    func record(_ arm: String, _ seed: Int?, _ bench: String, _ bits: [Int]) -> ItemOutcomeRecord {
        ItemOutcomeRecord(arm: arm, seed: seed, benchmark: bench, variant: .mc,
                          outcomes: bits.enumerated().map { ItemOutcome(itemID: "\(bench)-\($0)", family: "f", correct: $1 == 1) })
    }

    /// One seed, one benchmark: d = [0, 1, 1, −1, 0], Δ = 0.2, mean d² = 0.6,
    /// v = (0.6 − 0.04) / 4 = 0.14, SE = √0.14 (no seed term with S = 1).
    func testOneSeed() throws {
        let records = [record("A", 1, "g", [1, 1, 1, 0, 0]), record("B", 1, "g", [1, 0, 0, 1, 0])]
        let c = try PairedComparison(question: "q", a: "A", b: "B", role: .general, benchmarks: ["g"], records: records)
        XCTAssertEqual(c.seeds, [1])
        XCTAssertEqual(c.delta, 0.2, accuracy: 1e-12)
        XCTAssertEqual(c.perSeed[0].variance, 0.14, accuracy: 1e-12)
        XCTAssertEqual(c.within, 0.14, accuracy: 1e-12)
        XCTAssertEqual(c.seedVariance, 0)
        XCTAssertEqual(c.se, 0.37416573867739417, accuracy: 1e-12)
        XCTAssertEqual(c.ci.lower, -0.5333513720565182, accuracy: 1e-9)
        XCTAssertEqual(c.ci.upper, 0.9333513720565181, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(c.mde), 1.0482572026029073, accuracy: 1e-9)
        XCTAssertEqual(c.discordance, 0.6, accuracy: 1e-12)
    }

    /// Three seeds, two benchmarks of 4 items, against the instruct model's single run (seed nil).
    ///
    ///     seed 1: g1 d = 0 0 0 0 (Δ 0, v 0);     g2 d = 0 0 0 1 (Δ .25, v .0625)  → Δ_1 = .125,  v_1 = .0625 / 4
    ///     seed 2: g1 d = −1 0 0 0 (Δ −.25, v .0625); g2 d = 0             → Δ_2 = −.125, v_2 = .0625 / 4
    ///     seed 3: g1 d = 0 0 1 1 (Δ .5, v 1/12);  g2 d = 0 1 0 1 (Δ .5, v 1/12) → Δ_3 = .5,  v_3 = (1/6) / 4
    ///
    /// Δ̄ = 1/6; mean v = .0243056; within = .0081019; var Δ_s = .0989583; σ̂² = .0746528;
    /// SE = √(.0081019 + .0746528 / 3) = .1816208.
    func testThreeSeedsAgainstInstruct() throws {
        let records = [
            record("instruct", nil, "g1", [1, 1, 0, 0]), record("instruct", nil, "g2", [1, 0, 1, 0]),
            record("X", 1, "g1", [1, 1, 0, 0]), record("X", 1, "g2", [1, 0, 1, 1]),
            record("X", 2, "g1", [0, 1, 0, 0]), record("X", 2, "g2", [1, 0, 1, 0]),
            record("X", 3, "g1", [1, 1, 1, 1]), record("X", 3, "g2", [1, 1, 1, 1]),
        ]
        let c = try PairedComparison(question: "vs instruct", a: "X", b: "instruct", role: .general, benchmarks: ["g1", "g2"], records: records)
        XCTAssertEqual(c.seeds, [1, 2, 3])
        XCTAssertEqual(c.perSeed.map(\.delta), [0.125, -0.125, 0.5])
        XCTAssertEqual(c.perSeed[0].variance, 0.015625, accuracy: 1e-12)
        XCTAssertEqual(c.perSeed[2].variance, 1.0 / 24, accuracy: 1e-12)
        XCTAssertEqual(c.delta, 1.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(c.within, 0.008101851851851851, accuracy: 1e-12)
        XCTAssertEqual(c.seedVariance, 0.07465277777777778, accuracy: 1e-12)
        XCTAssertEqual(c.se, 0.18162078931419473, accuracy: 1e-12)
        XCTAssertEqual(c.ci.lower, -0.18930353923289214, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(c.mde), 0.5088261186446578, accuracy: 1e-9)
        XCTAssertEqual(c.discordance, 6.0 / 24, accuracy: 1e-12)
        // The other direction flips Δ and the interval, not the noise.
        let r = try PairedComparison(question: "q", a: "instruct", b: "X", role: .general, benchmarks: ["g1", "g2"], records: records)
        XCTAssertEqual(r.delta, -c.delta, accuracy: 1e-12)
        XCTAssertEqual(r.se, c.se, accuracy: 1e-12)
    }

    /// When seeds agree more than item sampling predicts, σ̂² is clamped to 0; only shared seeds count.
    func testSeedVarianceClampAndSharedSeeds() throws {
        let records = [
            record("A", 1, "g", [1, 1, 0, 0]), record("A", 2, "g", [1, 1, 0, 0]), record("A", 3, "g", [0, 0, 0, 0]),
            record("B", 1, "g", [1, 0, 1, 0]), record("B", 2, "g", [1, 0, 1, 0]), record("B", 4, "g", [1, 1, 1, 1]),
        ]
        let c = try PairedComparison(question: "q", a: "A", b: "B", role: .general, benchmarks: ["g"], records: records)
        XCTAssertEqual(c.seeds, [1, 2])
        XCTAssertEqual(c.delta, 0)
        XCTAssertEqual(c.seedVariance, 0)
        // d = 0 1 −1 0: v = (0.5 − 0) / 3 per seed; within = v / 2.
        XCTAssertEqual(c.within, 0.5 / 3 / 2, accuracy: 1e-12)
        XCTAssertThrowsError(try PairedComparison(question: "q", a: "A", b: "C", role: .general, benchmarks: ["g"], records: records))
    }

    /// Identical arms: SE 0, a point interval and no MDE; power and α are parameters.
    func testNoDifferenceAndOptions() throws {
        let records = [record("A", 1, "g", [1, 0, 1]), record("B", 1, "g", [1, 0, 1]),
                       record("C", 1, "g", [0, 0, 1])]
        let same = try PairedComparison(question: "q", a: "A", b: "B", role: .general, benchmarks: ["g"], records: records)
        XCTAssertEqual(same.se, 0)
        XCTAssertNil(same.mde)
        var options = PairedOptions()
        options.power = 0.9
        let c = try PairedComparison(question: "q", a: "C", b: "B", role: .general, benchmarks: ["g"], records: records, options: options)
        // d = −1 0 0: Δ = −1/3, v = (1/3 − 1/9) / 2 = 1/9; MDE = (z_.975 + z_.9) · 1/3.
        XCTAssertEqual(c.se, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(c.mde), (1.959963984540054 + 1.2815515655446004) / 3, accuracy: 1e-9)
        XCTAssertEqual(c.power, 0.9)
    }

    func testPlanSkipsAbsentArmsAndNamesTheBestPublicSet() {
        let arms = ["instruct", "domain-only", "public-mix:publicA", "public-mix:publicB", "reconstructed-mix", "one-model-one-response"]
        let records = [
            record("public-mix:publicA", 1, "g", [1, 0, 0, 0]), record("public-mix:publicA", 2, "g", [1, 1, 0, 0]),
            record("public-mix:publicB", 1, "g", [1, 1, 0, 0]), record("public-mix:publicB", 2, "g", [1, 1, 1, 0]),
        ]
        let best = KeyComparisons.bestPublic(arms: arms, generalBenchmarks: ["g"], records: records)
        XCTAssertEqual(best, "public-mix:publicB")
        let plan = KeyComparisons.plan(arms: arms, bestPublic: best).map { "\($0.a) - \($0.b)" }
        XCTAssertEqual(plan, [
            "reconstructed-mix - domain-only", "reconstructed-mix - public-mix:publicB", "reconstructed-mix - public-mix:publicA",
            "domain-only - instruct", "public-mix:publicA - instruct", "public-mix:publicB - instruct", "reconstructed-mix - instruct",
            "one-model-one-response - instruct",
        ])
        let full = KeyComparisons.plan(arms: arms + ["oracle-replay", "domain-only-repeated", "one-model-three-self-judged"], bestPublic: best)
        XCTAssertEqual(Array(full.prefix(5)).map(\.question),
                       ["method vs domain-only", "method vs the best public set", "oracle-replay vs method", "more steps", "which data at about equal steps"])
        XCTAssertEqual(full[3].a, "domain-only-repeated")
    }

    func ci(_ lower: Double, _ upper: Double) -> ConfidenceInterval { ConfidenceInterval(lower: lower, upper: upper, level: 0.95) }

    func testKeepsRule() {
        XCTAssertEqual(FindingRules.keeps(ci(-0.02, 0.01), margin: 0.03), .holds)
        XCTAssertEqual(FindingRules.keeps(ci(-0.04, 0.01), margin: 0.03), .inconclusive)
        XCTAssertEqual(FindingRules.keeps(ci(-0.06, -0.01), margin: 0.03), .doesNotHold)
        // A significant loss inside the margin is still a loss.
        XCTAssertEqual(FindingRules.keeps(ci(-0.02, -0.01), margin: 0.03), .doesNotHold)
    }

    func testBeatsRule() {
        XCTAssertEqual(FindingRules.beats([ci(0.01, 0.05), ci(0.005, 0.02)])?.verdict, .holds)
        XCTAssertEqual(FindingRules.beats([ci(0.01, 0.05), ci(0.005, 0.02)])?.deciding, 1)
        XCTAssertEqual(FindingRules.beats([ci(0.01, 0.05), ci(-0.01, 0.02), ci(-0.03, 0.01)])?.verdict, .inconclusive)
        XCTAssertEqual(FindingRules.beats([ci(0.01, 0.05), ci(-0.01, 0.02), ci(-0.03, 0.01)])?.deciding, 2)
        XCTAssertEqual(FindingRules.beats([ci(-0.09, 0.05), ci(-0.04, -0.01), ci(-0.05, -0.02)])?.verdict, .doesNotHold)
        XCTAssertEqual(FindingRules.beats([ci(-0.09, 0.05), ci(-0.04, -0.01), ci(-0.05, -0.02)])?.deciding, 2)
        XCTAssertNil(FindingRules.beats([]))
    }

    func comparison(_ a: String, _ b: String, _ role: BenchmarkKind, _ delta: Double, _ se: Double) -> PairedComparison {
        // One seed with v = se², so Δ̄ ± 1.96 · se.
        PairedComparison(question: "q", a: a, b: b, role: role, benchmarks: ["x"],
                         perSeed: [PairedSeedDifference(seed: 1, delta: delta, variance: se * se, items: 100, discordant: 10)])
    }

    func testFindings() {
        let m = "reconstructed-mix"
        let arms = ["instruct", "public-mix:publicA", "public-mix:publicB", m, "one-model-three-self-judged"]
        let comparisons = [
            comparison(m, "instruct", .general, -0.01, 0.005),          // [−1.98, −0.02] points: a significant loss
            comparison(m, "instruct", .domain, 0.06, 0.01),             // above 0
            comparison(m, "public-mix:publicA", .general, 0.05, 0.01),  // above 0
            comparison(m, "public-mix:publicB", .general, 0.01, 0.01),  // straddles 0: decides
            comparison(m, "one-model-three-self-judged", .general, 0.02, 0.005),
        ]
        let findings = FindingRules.evaluate(comparisons, arms: arms)
        XCTAssertEqual(findings.map(\.claim), Finding.Claim.allCases)
        XCTAssertEqual(findings[0].verdict, .doesNotHold)
        XCTAssertEqual(findings[0].margin, 0.03)
        XCTAssertEqual(findings[1].verdict, .inconclusive)
        XCTAssertEqual(findings[1].evidence.map(\.b), ["public-mix:publicA", "public-mix:publicB"])
        XCTAssertEqual(findings[1].deciding, 1)
        XCTAssertEqual(findings[2].verdict, .holds)
        XCTAssertNil(findings[3].verdict)
        XCTAssertEqual(findings[3].missing, ["arm one-model-one-response"])
        // An arm present without results is named as such.
        let noDomain = FindingRules.evaluate(comparisons.filter { $0.role == .general }, arms: arms)
        XCTAssertEqual(noDomain[2].missing, ["results for reconstructed-mix vs instruct on domain"])
        XCTAssertEqual(FindingRules.evaluate([], arms: ["instruct", m])[1].missing, ["arm public-mix:*"])
    }
}
