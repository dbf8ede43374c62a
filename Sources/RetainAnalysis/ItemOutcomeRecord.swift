import Foundation

/// One model's per-item correctness on one benchmark under one variant, as the analysis paired
/// it: a fine-tuned arm at one training seed, or the reference (instruct) model, which is
/// evaluated once whatever the seed (`seed` nil). RetainOrchestrator's `ExperimentAnalyzer`
/// hands these out beside the analysis (its `itemOutcomes` sink); RetainGate pins and re-checks
/// them item by item.
public struct ItemOutcomeRecord: Codable, Hashable, Sendable {
    public var arm: String
    /// The training seed; nil for the reference model.
    public var seed: Int?
    public var benchmark: String
    public var variant: MetricVariant
    /// One per item, sorted by `itemID` (ids unique).
    public var outcomes: [ItemOutcome]

    public init(arm: String, seed: Int?, benchmark: String, variant: MetricVariant, outcomes: [ItemOutcome]) {
        self.arm = arm; self.seed = seed; self.benchmark = benchmark; self.variant = variant
        self.outcomes = outcomes.sorted { $0.itemID < $1.itemID }
    }
}
