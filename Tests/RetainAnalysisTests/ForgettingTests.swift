import XCTest
@testable import RetainAnalysis

/// Hand-computed worked cases for transitions, F/BT, the chance adjustment and pairing.
final class ForgettingTests: XCTestCase {
    func testTransitionCountsAndRates() {
        // 10 items: n11 = 5, n10 = 2, n01 = 1, n00 = 2.
        let t = TransitionCounts(makeOutcomes(family: "arith", n00: 2, n01: 1, n10: 2, n11: 5))
        XCTAssertEqual(t, TransitionCounts(n00: 2, n01: 1, n10: 2, n11: 5))
        XCTAssertEqual(t.n, 10)
        XCTAssertEqual(t.accBefore, 0.7, accuracy: 1e-15)        // (2 + 5) / 10
        XCTAssertEqual(t.accAfter, 0.6, accuracy: 1e-15)         // (1 + 5) / 10
        XCTAssertEqual(t.delta, -0.1, accuracy: 1e-15)           // (1 − 2) / 10
        XCTAssertEqual(t.forgetting, 0.2, accuracy: 1e-15)       // 2 / 10
        XCTAssertEqual(t.backwardTransfer, 0.1, accuracy: 1e-15) // 1 / 10
        XCTAssertEqual(t.discordanceRate, 0.3, accuracy: 1e-15)  // 3 / 10
        // Δ = BT − F always.
        XCTAssertEqual(t.delta, t.backwardTransfer - t.forgetting, accuracy: 1e-15)
    }

    func testChanceAdjustmentWorkedExample() {
        // acc_before 0.6, acc_after 0.5, k = 4: spurious = 0.4 · 0.5 / 3 = 0.0666…
        let s = ChanceAdjustment.spurious(accBefore: 0.6, accAfter: 0.5, k: 4)
        XCTAssertEqual(s, 0.2 / 3, accuracy: 1e-15)
        // F = 0.15 → 0.15 − 0.0667 = 0.0833; BT = 0.05 < spurious → clamped to 0.
        XCTAssertEqual(ChanceAdjustment.adjust(0.15, spurious: s), 0.15 - 0.2 / 3, accuracy: 1e-15)
        XCTAssertEqual(ChanceAdjustment.adjust(0.05, spurious: s), 0)
        // Binary items: acc 0.7 → 0.3, k = 2: 0.3 · 0.7 / 1 = 0.21.
        XCTAssertEqual(ChanceAdjustment.spurious(accBefore: 0.7, accAfter: 0.3, k: 2), 0.21, accuracy: 1e-15)
    }

    func testChanceAdjustmentStratifiesMixedK() throws {
        // Stratum k = 4 ("arith"): acc 0.7 → 0.6, spurious 0.3 · 0.4 / 3 = 0.04.
        // Stratum k = 2 ("yesno"): acc 0.7 → 0.3, spurious 0.3 · 0.7 / 1 = 0.21.
        // Equal sizes (10 + 10): 0.5 · 0.04 + 0.5 · 0.21 = 0.125.
        let items = makeOutcomes(family: "arith", n00: 2, n01: 1, n10: 2, n11: 5)
            + makeOutcomes(family: "yesno", n00: 3, n01: 0, n10: 4, n11: 3)
        let byFamily = try ChanceAdjustment.spurious(items, k: .perFamily(["arith": 4, "yesno": 2]))
        XCTAssertEqual(byFamily, 0.125, accuracy: 1e-15)
        var perItem: [String: Int] = [:]
        for o in items { perItem[o.itemID] = o.family == "arith" ? 4 : 2 }
        XCTAssertEqual(try ChanceAdjustment.spurious(items, k: .perItem(perItem)), 0.125, accuracy: 1e-15)
        // Uniform k reduces to the plain formula on the pooled accuracies: 0.3 · 0.55 / 3 = 0.055.
        XCTAssertEqual(try ChanceAdjustment.spurious(items, k: 4), 0.055, accuracy: 1e-15)
    }

    func testChoiceCountErrors() {
        let items = makeOutcomes(family: "yesno", n11: 1)
        XCTAssertThrowsError(try ChanceAdjustment.spurious(items, k: .perFamily(["arith": 4]))) { error in
            XCTAssertEqual(error as? AnalysisError, .missingChoiceCount(itemID: "yesno-000", family: "yesno"))
        }
        XCTAssertThrowsError(try ChanceAdjustment.spurious(items, k: 1)) { error in
            XCTAssertEqual(error as? AnalysisError, .invalidChoiceCount(itemID: "yesno-000", k: 1))
        }
        XCTAssertThrowsError(try ChanceAdjustment.spurious([], k: 4))
    }

    func testPairingSortsByIDAndKeepsCorrectness() throws {
        let before = [ItemOutcome(itemID: "b", family: "f", correct: true),
                      ItemOutcome(itemID: "a", family: "g", correct: false)]
        let after = [ItemOutcome(itemID: "a", family: "g", correct: true),
                     ItemOutcome(itemID: "b", family: "f", correct: false)]
        let pairs = try pairOutcomes(before: before, after: after)
        XCTAssertEqual(pairs, [PairedOutcome(itemID: "a", family: "g", before: false, after: true),
                               PairedOutcome(itemID: "b", family: "f", before: true, after: false)])
    }

    func testPairingErrorsNameTheItem() {
        let x = ItemOutcome(itemID: "x", family: "f", correct: true)
        let y = ItemOutcome(itemID: "y", family: "f", correct: true)
        XCTAssertThrowsError(try pairOutcomes(before: [x, y], after: [x])) { error in
            XCTAssertEqual(error as? AnalysisError, .missingAfter(itemID: "y"))
            XCTAssertTrue("\(error)".contains("'y'"))
        }
        XCTAssertThrowsError(try pairOutcomes(before: [x], after: [y, x])) { error in
            XCTAssertEqual(error as? AnalysisError, .missingBefore(itemID: "y"))
        }
        XCTAssertThrowsError(try pairOutcomes(before: [x, x], after: [x])) { error in
            XCTAssertEqual(error as? AnalysisError, .duplicateItem(itemID: "x", side: "before"))
        }
        let moved = ItemOutcome(itemID: "x", family: "g", correct: true)
        XCTAssertThrowsError(try pairOutcomes(before: [x], after: [moved])) { error in
            XCTAssertEqual(error as? AnalysisError, .familyMismatch(itemID: "x", before: "f", after: "g"))
        }
    }

    func testGroupByFamilyIsSortedByName() {
        let items = makeOutcomes(family: "zeta", n11: 2) + makeOutcomes(family: "alpha", n00: 1)
        let groups = groupByFamily(items)
        XCTAssertEqual(groups.map(\.family), ["alpha", "zeta"])
        XCTAssertEqual(groups.map(\.outcomes.count), [1, 2])
    }
}
