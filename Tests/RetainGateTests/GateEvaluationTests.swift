import Foundation
import RetainAnalysis
import RetainCore
import RetainGate
import XCTest

final class GateEvaluationTests: XCTestCase {
    /// Student t quantile t_{0.975, 2}, for hand computations with three seeds.
    let t975df2 = 4.302652729911275

    func budget(_ yaml: String) throws -> BudgetFile { try BudgetParser.parse(yaml: yaml, file: "budget.yaml") }

    func evaluate(_ yaml: String, _ analysis: ExperimentAnalysis) throws -> GateResult {
        try Gate.evaluate(try budget(yaml), analysis: analysis, pinned: Synthetic.noPinned)
    }

    func testSyntheticAnalysisHasTheIntendedDeltas() throws {
        let a = try Synthetic.threeSeeds()
        let deltas = a.comparisons(arm: "reconstructed-mix", benchmark: "general", variant: .mc).sorted { $0.seed < $1.seed }.map(\.delta)
        XCTAssertEqual(deltas, [-0.04, -0.05, -0.045])
    }

    func testPassingBudgetExitsZero() throws {
        let result = try evaluate("""
        experiment: synthetic
        budgets:
          - name: keeps general
            general_forgetting: {arm: reconstructed-mix, max_points: 5}
          - name: gains
            domain_gain: {arm: reconstructed-mix, min_points: 5}
          - name: not worse
            not_worse: {arm: reconstructed-mix, than: "public-mix:publicA", tolerance_points: 2}
          - name: families
            family_forgetting: {arm: reconstructed-mix, max_points: 15}
        """, try Synthetic.threeSeeds())
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertTrue(result.passed)
        XCTAssertEqual(result.rules.map(\.name), ["keeps general", "gains", "not worse", "families"])
        XCTAssertEqual(result.rules[0].measured!, 4.5, accuracy: 1e-9)
        XCTAssertEqual(result.rules[0].margin!, 0.5, accuracy: 1e-9)
        XCTAssertEqual(result.rules[1].measured!, 10, accuracy: 1e-9)
        XCTAssertEqual(result.rules[1].margin!, 5, accuracy: 1e-9)
        XCTAssertEqual(result.rules[2].measured!, -1.5, accuracy: 1e-9)
        XCTAssertEqual(result.rules[2].threshold, -2)
        XCTAssertEqual(result.rules[2].margin!, 0.5, accuracy: 1e-9)
        XCTAssertEqual(result.rules[3].measured!, 9, accuracy: 1e-9)      // arith F: 8, 10, 9 pts
        XCTAssertEqual(result.rules[3].margin!, 6, accuracy: 1e-9)
        XCTAssertTrue(result.rules.allSatisfy { $0.message.hasPrefix("PASS ") })
        XCTAssertTrue(result.text.hasSuffix("gate passed: all 4 budgets hold (experiment synthetic, budget budget.yaml)"), result.text)
    }

    func testFailingGeneralBudgetNamesRuleAndMargin() throws {
        let result = try evaluate("""
        budgets:
          - name: method keeps general ability
            general_forgetting: {arm: reconstructed-mix, max_points: 3.0, alpha: 0.05}
        """, try Synthetic.threeSeeds())
        XCTAssertEqual(result.exitCode, 1)
        let rule = result.rules[0]
        XCTAssertFalse(rule.passed)
        // Per-seed Δ −4, −5, −4.5: mean −4.5, sd 0.5, 95% CI −4.5 ± t(0.975, 2) · 0.5 / √3.
        let half = t975df2 * 0.5 / 3.0.squareRoot()
        XCTAssertEqual(half, 1.2421, accuracy: 1e-4)
        XCTAssertEqual(rule.measured!, 4.5, accuracy: 1e-9)
        XCTAssertEqual(rule.threshold, 3)
        XCTAssertEqual(rule.margin!, -1.5, accuracy: 1e-9)
        XCTAssertEqual(rule.message, "FAIL method keeps general ability: reconstructed-mix general Δ −4.50 pts (95% CI −5.74…−3.26) "
                       + "exceeds the 3.00-pt budget by 1.50 pts")
        XCTAssertEqual(rule.details, ["per seed Δ (pts) over general: 1 −4.00, 2 −5.00, 3 −4.50"])
        XCTAssertEqual(result.text, rule.message + "\n    per seed Δ (pts) over general: 1 −4.00, 2 −5.00, 3 −4.50\n"
                       + "gate FAILED: 1 of 1 budget failed (experiment synthetic, budget budget.yaml)")
    }

    func testGeneralDropThatIsNotSignificantPasses() throws {
        // alpha 0.001: the 99.9% interval −4.5 ± 31.6 · 0.5 / √3 includes 0.
        let result = try evaluate("budgets:\n  - name: g\n    general_forgetting: {arm: reconstructed-mix, max_points: 3, alpha: 0.001}\n",
                                  try Synthetic.threeSeeds())
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertEqual(result.rules[0].margin!, -1.5, accuracy: 1e-9)
        XCTAssertTrue(result.rules[0].message.contains("99.9% CI"), result.rules[0].message)
        XCTAssertTrue(result.rules[0].message.contains("not significant at alpha 0.001 (the CI includes 0)"), result.rules[0].message)
    }

    func testOneSeedUsesHolmAdjustedMcNemar() throws {
        let yaml = "budgets:\n  - name: g\n    general_forgetting: {arm: reconstructed-mix, max_points: 3}\n"
        // 10 lost, 3 regained: Δ −3.5 pts, exact McNemar p = 2 · P(X ≤ 3 | 13, ½) = 756/8192 > 0.05.
        let weak = try evaluate(yaml, try Synthetic.oneSeed(n10: 10, n01: 3))
        let weakGeneral = try Synthetic.oneSeed(n10: 10, n01: 3).comparisons(arm: "reconstructed-mix", benchmark: "general", variant: .mc)[0]
        XCTAssertEqual(weakGeneral.pMcNemar, 756.0 / 8192, accuracy: 1e-12)
        XCTAssertEqual(weak.exitCode, 0)
        XCTAssertEqual(weak.rules[0].margin!, -0.5, accuracy: 1e-9)
        XCTAssertTrue(weak.rules[0].message.contains("not significant"), weak.rules[0].message)
        // 10 lost, none regained: Δ −5 pts, p = 2/1024, Holm over {general, domain} ≤ 2 · p < 0.05.
        let strong = try evaluate(yaml, try Synthetic.oneSeed(n10: 10, n01: 0))
        XCTAssertEqual(strong.exitCode, 1)
        XCTAssertEqual(strong.rules[0].margin!, -2, accuracy: 1e-9)
        XCTAssertTrue(strong.rules[0].message.contains("(1 seed, Holm-adjusted McNemar p = 0.00391 on general) exceeds the 3.00-pt budget by 2.00 pts"),
                      strong.rules[0].message)
    }

    func testDetectsForgettingIsAPositiveControl() throws {
        // reconstructed-mix: per-seed Δ −4, −5, −4.5, 95% CI −5.74…−3.26 (significant).
        let result = try evaluate("""
        budgets:
          - name: sees 4 points
            detects_forgetting: {arm: reconstructed-mix, min_points: 4}
          - name: sees 5 points
            detects_forgetting: {arm: reconstructed-mix, min_points: 5}
          - name: sees it at 0.001
            detects_forgetting: {arm: reconstructed-mix, min_points: 4, alpha: 0.001}
        """, try Synthetic.threeSeeds())
        XCTAssertEqual(result.rules.map(\.passed), [true, false, false])
        XCTAssertEqual(result.rules[0].measured!, 4.5, accuracy: 1e-9)
        XCTAssertEqual(result.rules[0].margin!, 0.5, accuracy: 1e-9)
        XCTAssertEqual(result.rules[0].message, "PASS sees 4 points: reconstructed-mix general Δ −4.50 pts (95% CI −5.74…−3.26): "
                       + "a significant drop, 0.50 pts beyond the 4.00-pt minimum")
        XCTAssertEqual(result.rules[1].margin!, -0.5, accuracy: 1e-9)
        XCTAssertTrue(result.rules[1].message.contains("falls 0.50 pts short of the 5.00-pt minimum"), result.rules[1].message)
        // At alpha 0.001 the interval −4.5 ± 31.6 · 0.5 / √3 includes 0: big enough, but not detected.
        XCTAssertTrue(result.rules[2].message.contains("not significant at alpha 0.001"), result.rules[2].message)
        XCTAssertEqual(result.exitCode, 1)
        // One seed: 10 lost, none regained is detected (Holm p 0.0039); 10 lost, 3 regained is not.
        let yaml = "budgets:\n  - name: d\n    detects_forgetting: {arm: reconstructed-mix, min_points: 3}\n"
        XCTAssertEqual(try evaluate(yaml, try Synthetic.oneSeed(n10: 10, n01: 0)).exitCode, 0)
        XCTAssertEqual(try evaluate(yaml, try Synthetic.oneSeed(n10: 10, n01: 3)).exitCode, 1)
        XCTAssertThrowsError(try budget("budgets:\n  - name: d\n    detects_forgetting: {arm: x, min_points: -1}\n"))
    }

    func testDomainGainAndNotWorseFailures() throws {
        let result = try evaluate("""
        budgets:
          - name: gains a lot
            domain_gain: {arm: reconstructed-mix, min_points: 12}
          - name: not worse than public
            not_worse: {arm: reconstructed-mix, than: "public-mix:publicA", tolerance_points: 1}
          - name: not worse than instruct
            not_worse: {arm: domain-only, than: instruct, benchmark: general, tolerance_points: 20}
        """, try Synthetic.threeSeeds())
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.failures.map(\.name), ["gains a lot", "not worse than public", "not worse than instruct"])
        XCTAssertEqual(result.rules[0].margin!, -2, accuracy: 1e-9)
        XCTAssertTrue(result.rules[0].message.hasSuffix("falls short of the +12.00-pt minimum gain by 2.00 pts"), result.rules[0].message)
        // −4.5 vs −3: 1.5 pts worse, 0.5 beyond the tolerance.
        XCTAssertEqual(result.rules[1].margin!, -0.5, accuracy: 1e-9)
        XCTAssertEqual(result.rules[1].message, "FAIL not worse than public: reconstructed-mix general Δ −4.50 pts vs public-mix:publicA "
                       + "−3.00 pts: 1.50 pts worse, beyond the 1.00-pt tolerance by 0.50 pts")
        // domain-only: −25 vs the reference's 0.
        XCTAssertEqual(result.rules[2].measured!, -25, accuracy: 1e-9)
        XCTAssertEqual(result.rules[2].margin!, -5, accuracy: 1e-9)
    }

    func testFamilyRule() throws {
        let a = try Synthetic.threeSeeds()
        let result = try evaluate("""
        budgets:
          - name: no family collapses
            family_forgetting: {arm: reconstructed-mix, max_points: 5, metric: F}
          - name: net drop per family
            family_forgetting: {arm: domain-only, max_points: 25, metric: drop}
          - name: domain families
            family_forgetting: {arm: domain-only, max_points: 1, benchmark: domain}
        """, a)
        let collapse = result.rules[0]
        XCTAssertFalse(collapse.passed)
        XCTAssertEqual(collapse.measured!, 9, accuracy: 1e-9)
        XCTAssertEqual(collapse.margin!, -4, accuracy: 1e-9)
        XCTAssertEqual(collapse.message, "FAIL no family collapses: reconstructed-mix family arith on general F 9.00 pts exceeds "
                       + "the 5.00-pt budget by 4.00 pts (1 of 2 families over)")
        XCTAssertEqual(collapse.details, ["arith on general: F 9.00 pts, over by 4.00 pts (seeds: 8.00, 10.00, 9.00)"])
        // domain-only: arith −Δ 30 pts, facts 20 pts.
        XCTAssertFalse(result.rules[1].passed)
        XCTAssertEqual(result.rules[1].measured!, 30, accuracy: 1e-9)
        XCTAssertEqual(result.rules[1].margin!, -5, accuracy: 1e-9)
        XCTAssertEqual(result.rules[1].details.count, 1)
        // The domain family only improved: F = 0.
        XCTAssertTrue(result.rules[2].passed)
        XCTAssertEqual(result.rules[2].measured!, 0, accuracy: 1e-9)
        XCTAssertEqual(result.exitCode, 1)
    }

    func testTiesPass() throws {
        let result = try evaluate("budgets:\n  - name: g\n    general_forgetting: {arm: reconstructed-mix, max_points: 4.5}\n",
                                  try Synthetic.threeSeeds())
        XCTAssertTrue(result.passed)
        XCTAssertEqual(result.rules[0].margin!, 0, accuracy: 1e-9)
    }

    func testUnknownArmIsADataError() throws {
        let yaml = "budgets:\n  - name: typo\n    general_forgetting: {arm: reconstructed-mx, max_points: 3}\n"
        XCTAssertThrowsError(try evaluate(yaml, try Synthetic.threeSeeds())) { error in
            guard case GateError.unknownArm(let location, let name, let field, let arm, let known) = error else {
                return XCTFail("expected unknownArm, got \(error)")
            }
            XCTAssertEqual(location, "budget.yaml:2:5")
            XCTAssertEqual(name, "typo")
            XCTAssertEqual(field, "budgets[0].general_forgetting.arm")
            XCTAssertEqual(arm, "reconstructed-mx")
            XCTAssertEqual(known.first, "instruct")
            XCTAssertTrue("\(error)".hasPrefix("budget.yaml:2:5: budgets[0].general_forgetting.arm (budget \"typo\"): unknown arm "
                                               + "\"reconstructed-mx\"; did you mean \"reconstructed-mix\"?"), "\(error)")
        }
        let than = "budgets:\n  - name: t\n    not_worse: {arm: reconstructed-mix, than: \"public-mix:publicZ\"}\n"
        XCTAssertThrowsError(try evaluate(than, try Synthetic.threeSeeds())) { error in
            XCTAssertTrue("\(error)".contains("not_worse.than"), "\(error)")
        }
    }

    func testOtherDataErrors() throws {
        let a = try Synthetic.threeSeeds()
        let benchmark = "budgets:\n  - name: b\n    domain_gain: {arm: reconstructed-mix, min_points: 1, benchmark: medical}\n"
        XCTAssertThrowsError(try evaluate(benchmark, a)) { error in
            guard case GateError.unknownBenchmark(_, _, _, let name, let known) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "medical")
            XCTAssertEqual(known, ["general", "domain"])
        }
        let variant = "budgets:\n  - name: v\n    domain_gain: {arm: reconstructed-mix, min_points: 1, variant: gen}\n"
        XCTAssertThrowsError(try evaluate(variant, a)) { error in
            guard case GateError.missingData = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("no gen results on benchmark \"domain\" (variants evaluated: mc)"), "\(error)")
        }
        let reference = "budgets:\n  - name: r\n    domain_gain: {arm: instruct, min_points: 1}\n"
        XCTAssertThrowsError(try evaluate(reference, a)) { XCTAssertTrue("\($0)".contains("is the reference"), "\($0)") }
        let other = "experiment: other\nbudgets:\n  - name: r\n    domain_gain: {arm: reconstructed-mix, min_points: 1}\n"
        XCTAssertThrowsError(try evaluate(other, a)) { error in
            XCTAssertEqual(error as? GateError, .experimentMismatch(budget: "other", analysis: "synthetic", file: "budget.yaml"))
        }
        var empty = a
        empty.comparisons = []
        XCTAssertThrowsError(try evaluate("budgets:\n  - name: r\n    domain_gain: {arm: x, min_points: 1}\n", empty)) { error in
            guard case GateError.emptyAnalysis = error else { return XCTFail("\(error)") }
        }
    }
}
