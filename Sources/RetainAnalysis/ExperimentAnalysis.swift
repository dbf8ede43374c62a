import Foundation
import RetainCore

/// Everything a report, a gate or `--json` needs about one experiment: built from the store's
/// per-item records (see RetainOrchestrator's `ExperimentAnalyzer`), rendered by RetainReport,
/// checked by RetainGate. Rates are fractions; Δ is after − before.
public struct ExperimentAnalysis: Codable, Hashable, Sendable {
    public var experiment: String
    /// The built-in world preset, when the experiment ran on it.
    public var preset: String?
    /// Arm names in spec order; the reference arm ("instruct") first.
    public var arms: [String]
    public var seeds: [UInt64]
    public var benchmarks: [BenchmarkInfo]
    /// The instruct model's scores, with their noise floor.
    public var instruct: [InstructScore]
    /// Each fine-tuned arm × seed × benchmark × variant against the instruct model, with families.
    /// Whole-benchmark entries have `pHolm` filled across benchmarks.
    public var comparisons: [ArmComparison]
    /// Across-seed summaries of `comparisons` (benchmark and family level).
    public var aggregates: [SeedAggregate]
    /// How close the reconstructed sets are to the original (built-in world only).
    public var fidelity: Fidelity?
    public var formatDrift: [FormatDrift]
    /// Items an arm got wrong that the instruct model got right (1→0), with both outputs.
    public var forgotten: [ForgottenItem]
    /// The mix-ratio sweep, when the spec has one.
    public var sweep: [SweepPoint]
    /// Per stage kind: runs and wall seconds, as stored.
    public var stageTimes: [StageTime]
    /// Per fine-tuned arm: how much training it got (mix size, steps), so "which data" can be
    /// told from "how long".
    public var trainingCompute: [TrainingCompute] = []
    /// The settings of `keyComparisons` (power, α, MDE targets).
    public var pairedOptions: PairedOptions
    /// Arm against arm, paired item by item at matching seeds, per role (see `KeyComparisons`).
    public var keyComparisons: [PairedComparison]
    /// The paper's findings judged from `keyComparisons`.
    public var findings: [Finding]

    public init(experiment: String, preset: String? = nil, arms: [String], seeds: [UInt64], benchmarks: [BenchmarkInfo],
                instruct: [InstructScore], comparisons: [ArmComparison], aggregates: [SeedAggregate], fidelity: Fidelity? = nil,
                formatDrift: [FormatDrift] = [], forgotten: [ForgottenItem] = [], sweep: [SweepPoint] = [], stageTimes: [StageTime] = [],
                pairedOptions: PairedOptions = PairedOptions(), keyComparisons: [PairedComparison] = [], findings: [Finding] = []) {
        self.experiment = experiment; self.preset = preset; self.arms = arms; self.seeds = seeds; self.benchmarks = benchmarks
        self.instruct = instruct; self.comparisons = comparisons; self.aggregates = aggregates; self.fidelity = fidelity
        self.formatDrift = formatDrift; self.forgotten = forgotten; self.sweep = sweep; self.stageTimes = stageTimes
        self.pairedOptions = pairedOptions; self.keyComparisons = keyComparisons; self.findings = findings
    }

    /// The across-seed aggregate of `metric` for an arm on a benchmark (whole benchmark, not a family).
    public func aggregate(arm: String, benchmark: String, variant: MetricVariant, metric: SeedMetric) -> SeedAggregate? {
        aggregates.first { $0.arm == arm && $0.benchmark == benchmark && $0.variant == variant && $0.metric == metric && $0.family == nil }
    }

    /// The whole-benchmark comparisons of an arm (every seed).
    public func comparisons(arm: String, benchmark: String, variant: MetricVariant) -> [ArmComparison] {
        comparisons.filter { $0.arm == arm && $0.benchmark == benchmark && $0.variant == variant && $0.family == nil }
    }
}

public struct BenchmarkInfo: Codable, Hashable, Sendable {
    public var name: String
    public var kind: BenchmarkKind
    /// Items per variant.
    public var items: Int
    /// Mean chance level of the multiple-choice items.
    public var chance: Double
    public init(name: String, kind: BenchmarkKind, items: Int, chance: Double) {
        self.name = name; self.kind = kind; self.items = items; self.chance = chance
    }
}

public struct InstructScore: Codable, Hashable, Sendable {
    public var benchmark: String
    public var variant: MetricVariant
    public var accuracy: Double
    /// Spread of the instruct model's accuracy across evaluation seeds / sampling settings; shown
    /// beside every Δ so a user can tell a change from noise.
    public var noise: NoiseFloor?
    public init(benchmark: String, variant: MetricVariant, accuracy: Double, noise: NoiseFloor?) {
        self.benchmark = benchmark; self.variant = variant; self.accuracy = accuracy; self.noise = noise
    }
}

/// Reconstruction fidelity (built-in world): family-mix total-variation distance to the
/// original set, beside the same for every public set.
public struct Fidelity: Codable, Hashable, Sendable {
    public struct Reconstruction: Codable, Hashable, Sendable {
        /// The recipe ("one-model-one-response", "full", ...) and seed.
        public var recipe: String
        public var seed: UInt64
        public var instructionsSampled: Int
        public var instructionsKept: Int
        /// Share of kept instructions that are valid tasks.
        public var validShare: Double
        /// Total-variation distance of the selected set's family mix to the original's.
        public var totalVariation: Double
        /// Share of selected responses the verifier finds correct.
        public var selectedCorrect: Double
        public init(recipe: String, seed: UInt64, instructionsSampled: Int, instructionsKept: Int, validShare: Double,
                    totalVariation: Double, selectedCorrect: Double) {
            self.recipe = recipe; self.seed = seed; self.instructionsSampled = instructionsSampled; self.instructionsKept = instructionsKept
            self.validShare = validShare; self.totalVariation = totalVariation; self.selectedCorrect = selectedCorrect
        }
    }
    public struct SetDistance: Codable, Hashable, Sendable {
        public var name: String
        public var totalVariation: Double
        /// Share of the set's responses that are correct.
        public var correct: Double
        public init(name: String, totalVariation: Double, correct: Double) { self.name = name; self.totalVariation = totalVariation; self.correct = correct }
    }
    public var reconstructions: [Reconstruction]
    public var publicSets: [SetDistance]
    public init(reconstructions: [Reconstruction], publicSets: [SetDistance]) { self.reconstructions = reconstructions; self.publicSets = publicSets }
}

/// Where multiple choice and generation disagree about the same items, and how much strict
/// extraction loses against flexible extraction.
public struct FormatDrift: Codable, Hashable, Sendable {
    public var arm: String
    public var benchmark: String
    /// Mean over seeds of the share of items where mc and gen correctness differ.
    public var mcGenDisagreement: Double
    /// Mean over seeds of flexible − strict generative accuracy.
    public var strictGap: Double
    public init(arm: String, benchmark: String, mcGenDisagreement: Double, strictGap: Double) {
        self.arm = arm; self.benchmark = benchmark; self.mcGenDisagreement = mcGenDisagreement; self.strictGap = strictGap
    }
}

/// One item that went from right (instruct model) to wrong (the arm). Outputs are model text:
/// untrusted, escape before display.
public struct ForgottenItem: Codable, Hashable, Sendable {
    public var arm: String
    public var seed: UInt64
    public var benchmark: String
    public var variant: MetricVariant
    public var itemID: String
    public var family: String
    public var question: String
    public var answer: String
    public var before: String
    public var after: String
    public init(arm: String, seed: UInt64, benchmark: String, variant: MetricVariant, itemID: String, family: String,
                question: String, answer: String, before: String, after: String) {
        self.arm = arm; self.seed = seed; self.benchmark = benchmark; self.variant = variant; self.itemID = itemID
        self.family = family; self.question = question; self.answer = answer; self.before = before; self.after = after
    }
}

/// One point of the mix-ratio sweep: general and domain Δ (mc) across seeds.
public struct SweepPoint: Codable, Hashable, Sendable {
    public var arm: String
    public var generalShare: Double
    public var generalDelta: SampleSummary
    public var domainDelta: SampleSummary
    public init(arm: String, generalShare: Double, generalDelta: SampleSummary, domainDelta: SampleSummary) {
        self.arm = arm; self.generalShare = generalShare; self.generalDelta = generalDelta; self.domainDelta = domainDelta
    }
}

/// One fine-tuned arm's training, mean over seeds.
public struct TrainingCompute: Codable, Hashable, Sendable {
    public var arm: String
    /// Seeds with a recorded training run.
    public var seeds: Int
    /// Conversations in the arm's mix.
    public var conversations: Double
    /// Optimizer steps.
    public var steps: Double
    public init(arm: String, seeds: Int, conversations: Double, steps: Double) {
        self.arm = arm; self.seeds = seeds; self.conversations = conversations; self.steps = steps
    }
}

public struct StageTime: Codable, Hashable, Sendable {
    public var kind: String
    public var runs: Int
    public var wallSeconds: Double
    public init(kind: String, runs: Int, wallSeconds: Double) { self.kind = kind; self.runs = runs; self.wallSeconds = wallSeconds }
}
