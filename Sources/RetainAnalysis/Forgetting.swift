import Foundation
import RetainCore

/// The 2×2 table of per-item transitions between the instruct model ("before") and an arm
/// ("after"). The first digit is before, the second after: `n10` = was right, now wrong
/// (forgotten); `n01` = was wrong, now right (learned).
///
/// All rates are fractions in [0, 1] (multiply by 100 for points).
public struct TransitionCounts: Codable, Hashable, Sendable {
    public var n00: Int
    public var n01: Int
    public var n10: Int
    public var n11: Int

    public init(n00: Int, n01: Int, n10: Int, n11: Int) {
        self.n00 = n00
        self.n01 = n01
        self.n10 = n10
        self.n11 = n11
    }

    /// Counts the transitions in `outcomes`.
    public init<S: Sequence>(_ outcomes: S) where S.Element == PairedOutcome {
        var c = (0, 0, 0, 0)
        for o in outcomes {
            switch (o.before, o.after) {
            case (false, false): c.0 += 1
            case (false, true): c.1 += 1
            case (true, false): c.2 += 1
            case (true, true): c.3 += 1
            }
        }
        self.init(n00: c.0, n01: c.1, n10: c.2, n11: c.3)
    }

    /// Number of items.
    public var n: Int { n00 + n01 + n10 + n11 }
    /// Items whose correctness changed (n01 + n10).
    public var discordant: Int { n01 + n10 }

    private func rate(_ count: Int) -> Double { n == 0 ? .nan : Double(count) / Double(n) }

    /// Accuracy of the instruct model, (n10 + n11) / n.
    public var accBefore: Double { rate(n10 + n11) }
    /// Accuracy of the arm, (n01 + n11) / n.
    public var accAfter: Double { rate(n01 + n11) }
    /// Δ = accAfter − accBefore = (n01 − n10) / n, a fraction (negative = net loss).
    public var delta: Double { rate(n01 - n10) }
    /// Forgetting F = n10 / n: share of all items that were right and are now wrong.
    public var forgetting: Double { rate(n10) }
    /// Backward transfer BT = n01 / n: share of all items that were wrong and are now right.
    public var backwardTransfer: Double { rate(n01) }
    /// Discordance rate d = (n01 + n10) / n.
    public var discordanceRate: Double { rate(discordant) }
}

/// Chance adjustment of forgetting and backward transfer (arXiv 2510.17776).
///
/// On a k-way item a model that is wrong both times can still "flip" by guessing, so some of
/// the observed transitions are expected by chance. The expected spurious rate is
///
///     spurious = (1 − acc_before) · (1 − acc_after) / (k − 1)
///
/// and the adjusted metrics are `F_adj = max(0, F − spurious)`, `BT_adj = max(0, BT − spurious)`.
///
/// Example: acc_before 0.6, acc_after 0.5, k = 4 → spurious = 0.4 · 0.5 / 3 = 0.0667; with
/// F = 0.15 and BT = 0.05, F_adj = 0.0833 and BT_adj = 0 (clamped).
public enum ChanceAdjustment {
    /// The expected spurious transition rate for one accuracy pair and `k` choices (k > 1; a
    /// non-integer k, e.g. a mean, is accepted).
    public static func spurious(accBefore: Double, accAfter: Double, k: Double) -> Double {
        precondition(k > 1, "chance adjustment needs k > 1")
        return (1 - accBefore) * (1 - accAfter) / (k - 1)
    }

    /// The spurious rate for items with differing k, **stratified by k**: items are grouped by
    /// their k, the formula is applied within each stratum using that stratum's accuracies, and
    /// the results are averaged weighted by stratum size:
    ///
    ///     spurious = Σ_k (n_k / n) · (1 − acc_before,k) · (1 − acc_after,k) / (k − 1)
    ///
    /// When every item has the same k this is exactly `spurious(accBefore:accAfter:k:)`. We
    /// stratify rather than plug in a mean k because binary and four-way families usually have
    /// very different accuracies, and a mean k would mix the two chance levels.
    public static func spurious(_ outcomes: [PairedOutcome], k: ChoiceCount) throws -> Double {
        guard !outcomes.isEmpty else { throw AnalysisError.empty("no items for the chance adjustment") }
        var strata: [Int: [PairedOutcome]] = [:]
        for o in outcomes { strata[try k.k(for: o), default: []].append(o) }
        var total = 0.0
        for kk in strata.keys.sorted() {  // fixed order: identical sums on every run
            let items = strata[kk]!
            let t = TransitionCounts(items)
            let weight = Double(items.count) / Double(outcomes.count)
            total += weight * spurious(accBefore: t.accBefore, accAfter: t.accAfter, k: Double(kk))
        }
        return total
    }

    /// `max(0, rate − spurious)`: applies to both F and BT.
    public static func adjust(_ rate: Double, spurious: Double) -> Double { max(0, rate - spurious) }
}
