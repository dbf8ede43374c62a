import Foundation
import RetainCore

/// Everything measured for one fine-tuned arm against the instruct model on one benchmark at one
/// training seed. Rates are fractions in [0, 1]; Δ and interval bounds are signed fractions
/// (multiply by 100 for points, see `Display`). Codable so the CLI can print it as JSON.
public struct ArmComparison: Codable, Hashable, Sendable {
    public var arm: String
    public var seed: Int
    public var benchmark: String
    public var variant: MetricVariant
    /// nil for the whole benchmark; the family name for an entry of `families`.
    public var family: String?
    /// Number of paired items.
    public var n: Int
    public var accBefore: Double
    public var accAfter: Double
    /// accAfter − accBefore.
    public var delta: Double
    /// Seeded paired percentile-bootstrap interval of `delta`.
    public var ci: ConfidenceInterval
    public var transitions: TransitionCounts
    /// Forgetting n10 / n.
    public var F: Double
    /// Backward transfer n01 / n.
    public var BT: Double
    /// Expected spurious transition rate for the chance adjustment (stratified by k).
    public var spurious: Double
    /// max(0, F − spurious).
    public var Fadj: Double
    /// max(0, BT − spurious).
    public var BTadj: Double
    /// Exact two-sided McNemar p-value on n10 vs n01.
    public var pMcNemar: Double
    /// Holm-adjusted McNemar p-value. Whole-benchmark entries: filled by `applyingHolm`
    /// (across benchmarks). Family entries: filled by `compare` (across the families).
    public var pHolm: Double?
    /// Minimum detectable |Δ| at the observed discordance rate (see
    /// `McNemar.minimumDetectableEffect`); nil when nothing is detectable (e.g. no item changed).
    public var mde: Double?
    /// The seed and number of resamples of the bootstrap interval.
    public var bootstrapSeed: UInt64
    public var resamples: Int
    /// Per-family breakdown, families in ascending name order (empty inside a family entry).
    public var families: [ArmComparison]
}

/// Compares an arm with the instruct model on one benchmark: pairs the two result lists by
/// `itemID` (throwing `AnalysisError` naming the first id present on one side only, a duplicate
/// id or a family disagreement), then computes every metric for the whole benchmark and for
/// each family.
///
/// - Parameters:
///   - k: answer choices per item for the chance adjustment (an integer literal for all items,
///     or per family / per item; mixed k is stratified, see `ChanceAdjustment`).
///   - bootstrapSeed: seeds the whole-benchmark bootstrap; family f uses the first draw of
///     `WorldRandom(seed: bootstrapSeed).derived("family:" + f)`.
///   - resamples: bootstrap replicates (default 2000).
///   - alpha, power: for the minimum detectable effect (defaults 0.05 two-sided, 0.8).
public func compare(arm: String, seed: Int, benchmark: String, variant: MetricVariant = .mc,
                    before: [ItemOutcome], after: [ItemOutcome], k: ChoiceCount,
                    bootstrapSeed: UInt64, resamples: Int = 2000, level: Double = 0.95,
                    alpha: Double = 0.05, power: Double = 0.8) throws -> ArmComparison {
    let pairs = try pairOutcomes(before: before, after: after)
    return try compare(arm: arm, seed: seed, benchmark: benchmark, variant: variant, outcomes: pairs, k: k,
                       bootstrapSeed: bootstrapSeed, resamples: resamples, level: level, alpha: alpha, power: power)
}

/// `compare` over already paired outcomes (sorted by `itemID` first, so order does not matter;
/// duplicate ids are rejected).
public func compare(arm: String, seed: Int, benchmark: String, variant: MetricVariant = .mc,
                    outcomes: [PairedOutcome], k: ChoiceCount,
                    bootstrapSeed: UInt64, resamples: Int = 2000, level: Double = 0.95,
                    alpha: Double = 0.05, power: Double = 0.8) throws -> ArmComparison {
    try validate(resamples: resamples, level: level, alpha: alpha, power: power)
    guard !outcomes.isEmpty else { throw AnalysisError.empty("benchmark '\(benchmark)' has no items") }
    let sorted = outcomes.sorted { $0.itemID < $1.itemID }
    for (x, y) in zip(sorted, sorted.dropFirst()) where x.itemID == y.itemID {
        throw AnalysisError.duplicateItem(itemID: x.itemID, side: "paired")
    }
    func measure(_ items: [PairedOutcome], family: String?, seed bootSeed: UInt64) throws -> ArmComparison {
        let t = TransitionCounts(items)
        let spurious = try ChanceAdjustment.spurious(items, k: k)
        return ArmComparison(
            arm: arm, seed: seed, benchmark: benchmark, variant: variant, family: family, n: t.n,
            accBefore: t.accBefore, accAfter: t.accAfter, delta: t.delta,
            ci: try PairedBootstrap.deltaInterval(items, resamples: resamples, seed: bootSeed, level: level),
            transitions: t, F: t.forgetting, BT: t.backwardTransfer, spurious: spurious,
            Fadj: ChanceAdjustment.adjust(t.forgetting, spurious: spurious),
            BTadj: ChanceAdjustment.adjust(t.backwardTransfer, spurious: spurious),
            pMcNemar: McNemar.exactPValue(t), pHolm: nil,
            mde: McNemar.minimumDetectableEffect(n: t.n, discordance: t.discordanceRate, alpha: alpha, power: power),
            bootstrapSeed: bootSeed, resamples: resamples, families: [])
    }
    var whole = try measure(sorted, family: nil, seed: bootstrapSeed)
    let root = WorldRandom(seed: bootstrapSeed)
    var families = try groupByFamily(sorted).map { group -> ArmComparison in
        var rng = root.derived("family:" + group.family)
        return try measure(group.outcomes, family: group.family, seed: rng.next())
    }
    for (i, p) in Holm.adjust(families.map(\.pMcNemar)).enumerated() { families[i].pHolm = p }
    whole.families = families
    return whole
}

/// Fills `pHolm` of whole-benchmark comparisons: Holm across benchmarks, separately within each
/// (arm, seed, variant) group. Order is preserved; family entries are left as they are.
public func applyingHolm(_ comparisons: [ArmComparison]) -> [ArmComparison] {
    struct Key: Hashable { var arm: String; var seed: Int; var variant: MetricVariant }
    var result = comparisons
    let groups = Dictionary(grouping: comparisons.indices) {
        Key(arm: comparisons[$0].arm, seed: comparisons[$0].seed, variant: comparisons[$0].variant)
    }
    for indices in groups.values {
        let adjusted = Holm.adjust(indices.map { comparisons[$0].pMcNemar })
        for (i, p) in zip(indices, adjusted) { result[i].pHolm = p }
    }
    return result
}
