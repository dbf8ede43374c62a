import Foundation
import RetainCore

// The typed experiment spec. `SpecParser` reads it from YAML, validating every field and filling
// in the defaults documented here; the memberwise initialisers take the same defaults. Coding
// keys are the YAML spellings, so the canonical JSON (`canonicalJSON()`, hashed by
// `contentHash()`) reads like the YAML with every default written out.

/// A whole experiment: which world, which arms, how to synthesise, mix, train and evaluate, and
/// over which replicate seeds.
public struct ExperimentSpec: Codable, Hashable, Sendable {
    /// `experiment` (required): the experiment's name, used in run directories and reports.
    /// Must match `[A-Za-z0-9._-]{1,64}`.
    public var experiment: String
    /// `world`: the built-in synthetic world (the only backend for now). Default: preset quick, seed 1.
    public var world: WorldSpec
    /// `threads`: engine threads, 1...64. Default 2. On the engine's default portable numerics the
    /// results are the same bits at every thread count (and on every CPU).
    public var threads: Int
    /// `seeds`: replicate seeds, 1...20 unique non-negative integers. Default `[1]`. Each seed
    /// drives synthesis sampling, mix shuffles and training order; every arm runs once per seed
    /// and deltas are paired by seed. Stored sorted ascending (the order has no meaning).
    public var seeds: [UInt64]
    /// `synthesis`: how the reconstructed set is built (used by reconstructed-mix, the ablations and
    /// the judge-set arms).
    public var synthesis: SynthesisSpec
    /// `mix`: how general data is mixed with the domain set in the mix arms.
    public var mix: MixSpec
    /// `training`: fine-tuning hyperparameters shared by every fine-tuned arm.
    public var training: TrainingSpec
    /// `evaluation`: which benchmarks to run and how.
    public var evaluation: EvaluationSpec
    /// `arms` (required): non-empty list of unique arms, in report order.
    public var arms: [Arm]
    /// `sweep`: optional mix-ratio sweep of one mix arm. Default: none.
    public var sweep: SweepSpec?

    public init(experiment: String, world: WorldSpec = WorldSpec(), threads: Int = 2, seeds: [UInt64] = [1],
                synthesis: SynthesisSpec = SynthesisSpec(), mix: MixSpec = MixSpec(), training: TrainingSpec = TrainingSpec(),
                evaluation: EvaluationSpec = EvaluationSpec(), arms: [Arm], sweep: SweepSpec? = nil) {
        self.experiment = experiment; self.world = world; self.threads = threads; self.seeds = seeds
        self.synthesis = synthesis; self.mix = mix; self.training = training; self.evaluation = evaluation
        self.arms = arms; self.sweep = sweep
    }

    /// Whether the synthesis stages run: an arm needs them, or judge sets are declared (every
    /// set's selection is measured, also without an arm).
    public var needsSynthesis: Bool { arms.contains { $0.needsSynthesis } || !synthesis.judgeSets.isEmpty }

    /// The public sets the public-mix arms name, in arm order.
    public var publicSets: [String] { arms.compactMap(\.publicSet) }

    /// The default engine thread count.
    public static let defaultThreads = 2
    /// The default replicate seeds.
    public static let defaultSeeds: [UInt64] = [1]
}

/// Size preset of the built-in world (`RetainWorld`'s `WorldConfig.preset`).
public enum WorldPreset: String, Codable, Hashable, Sendable, CaseIterable {
    /// CI and tests: builds in milliseconds, trains in about a minute on two cores.
    case quick
    /// The reproduction: a bigger world with 50 benchmark items per family.
    case `default`
    /// Larger world and longer runs.
    case full
}

/// `world:` the built-in synthetic world.
public struct WorldSpec: Codable, Hashable, Sendable {
    /// `preset`: quick | default | full. Default quick.
    public var preset: WorldPreset
    /// `seed`: the world's root seed (knowledge bases, corpus, SFT sets, benchmarks), a
    /// non-negative integer. Default 1. Independent of the replicate `seeds`.
    public var seed: UInt64

    public init(preset: WorldPreset = .quick, seed: UInt64 = 1) {
        self.preset = preset; self.seed = seed
    }
}

/// How a judge scores a candidate response (1 to 5).
public enum JudgeKind: String, Codable, Hashable, Sendable, CaseIterable {
    /// The judge model's log-likelihood of the response given the instruction, mapped to 1...5.
    /// Needs a `model`.
    case likelihood
    /// The paper's scoring prompt (helpfulness, relevance, clarity, completeness; the judge ends
    /// with "Score: N"). Needs a `model`.
    case prompt
    /// Checks the response against the built-in world's ground truth. Takes no `model`.
    case verifier
    /// Self-consistency: the responses to one instruction vote with their final answers (read from
    /// the response text alone, never the right answer); a response agreeing with the majority
    /// scores up to 5, by the majority's share. Takes no `model`.
    case consensus
    /// Asks the model whether the response's answer is correct, ending "Verdict: correct" (5) or
    /// "Verdict: incorrect" (1). Needs a `model`.
    case check

    /// Whether judges of this kind name a model (likelihood, prompt and check do; verifier and
    /// consensus must not).
    public var needsModel: Bool {
        switch self {
        case .likelihood, .prompt, .check: return true
        case .verifier, .consensus: return false
        }
    }
}

/// One judge of the filtering step: `{kind: likelihood, model: instruct}`, `{kind: verifier}`.
public struct JudgeSpec: Codable, Hashable, Sendable, CustomStringConvertible {
    /// `kind` (required): likelihood | prompt | verifier | consensus | check.
    public var kind: JudgeKind
    /// `model`: the judging model; required for likelihood, prompt and check, forbidden for
    /// verifier and consensus.
    /// Must be one of the generators or a known model.
    public var model: String?

    public init(kind: JudgeKind, model: String? = nil) {
        self.kind = kind; self.model = model
    }

    public static func likelihood(_ model: String) -> JudgeSpec { JudgeSpec(kind: .likelihood, model: model) }
    public static func prompt(_ model: String) -> JudgeSpec { JudgeSpec(kind: .prompt, model: model) }
    public static func check(_ model: String) -> JudgeSpec { JudgeSpec(kind: .check, model: model) }
    public static let verifier = JudgeSpec(kind: .verifier)
    public static let consensus = JudgeSpec(kind: .consensus)

    public var description: String { model.map { "\(kind.rawValue):\($0)" } ?? kind.rawValue }
}

/// `synthesis:` reconstructing a general SFT set from the instruct model (pre-query instruction
/// generation, multi-model responses, judge filtering).
public struct SynthesisSpec: Codable, Hashable, Sendable {
    /// `instructions`: N, the number of pre-query instruction samples drawn, 1...1_000_000. Default 400.
    public var instructions: Int
    /// `temperature`: sampling temperature for instructions, 0...2. Default 1.0.
    public var temperature: Double
    /// `top_p`: nucleus mass for instructions, (0, 1]. Default 0.98.
    public var topP: Double
    /// `max_tokens`: token limit per instruction, 1...4096. Default 48.
    public var maxTokens: Int
    /// `dedup_threshold`: word-trigram Jaccard similarity at or above which two instructions are
    /// near duplicates (the later one is dropped), (0, 1]. Default 0.8; 1.0 = exact duplicates only.
    public var dedupThreshold: Double
    /// `min_chars`: instructions shorter than this (in characters) are dropped, 0...1_000_000. Default 8.
    public var minChars: Int
    /// `max_chars`: instructions longer than this are dropped, 1...1_000_000 and >= min_chars. Default 400.
    public var maxChars: Int
    /// `generators`: models that write responses, non-empty, unique, each a known model.
    /// Default `[instruct, vendor-b, vendor-c]`.
    public var generators: [String]
    /// `responses_per_model`: K responses per generator per instruction, 1...16. Default 3.
    public var responsesPerModel: Int
    /// `response_temperature`: sampling temperature for responses, 0...2. Default 0.7.
    public var responseTemperature: Double
    /// `response_top_p`: nucleus mass for responses, (0, 1]. Default 0.95.
    public var responseTopP: Double
    /// `response_max_tokens`: token limit per response, 1...4096. Default 48.
    public var responseMaxTokens: Int
    /// `judges`: the committee; scores are averaged over judges and the best response per
    /// instruction is kept. Non-empty, unique. Default: one likelihood judge per generator.
    public var judges: [JudgeSpec]
    /// `min_score`: minimum average judge score (scores are 1...5) for an instruction's best
    /// response to be kept, a number in 0...5. Default: absent = no minimum (0 means the same and
    /// is stored as nil).
    public var minScore: Double?
    /// `judge_sets`: named alternative committees, each a non-empty list of unique judges written
    /// like `judges`. Arm `judge-set:NAME` fine-tunes on the responses of every generator × K
    /// selected by set NAME instead of `judges` (with `min_score`), and every set's selection is
    /// measured in the report's reconstruction fidelity. Names match `[A-Za-z0-9._-]{1,64}`.
    /// Default: none.
    public var judgeSets: [String: [JudgeSpec]] {
        get { storedJudgeSets ?? [:] }
        set { storedJudgeSets = newValue.isEmpty ? nil : newValue }
    }
    /// Nil when there are none, so a spec without judge sets encodes, and hashes, as it did before
    /// judge sets existed.
    var storedJudgeSets: [String: [JudgeSpec]]?

    public static let defaultGenerators = ["instruct", "vendor-b", "vendor-c"]

    /// `judges: nil` means the default, one likelihood judge per generator.
    public init(instructions: Int = 400, temperature: Double = 1.0, topP: Double = 0.98, maxTokens: Int = 48,
                dedupThreshold: Double = 0.8, minChars: Int = 8, maxChars: Int = 400,
                generators: [String] = SynthesisSpec.defaultGenerators, responsesPerModel: Int = 3,
                responseTemperature: Double = 0.7, responseTopP: Double = 0.95, responseMaxTokens: Int = 48,
                judges: [JudgeSpec]? = nil, minScore: Double? = nil, judgeSets: [String: [JudgeSpec]] = [:]) {
        self.instructions = instructions; self.temperature = temperature; self.topP = topP; self.maxTokens = maxTokens
        self.dedupThreshold = dedupThreshold; self.minChars = minChars; self.maxChars = maxChars
        self.generators = generators; self.responsesPerModel = responsesPerModel
        self.responseTemperature = responseTemperature; self.responseTopP = responseTopP
        self.responseMaxTokens = responseMaxTokens
        self.judges = judges ?? SynthesisSpec.defaultJudges(for: generators)
        self.minScore = minScore
        self.judgeSets = judgeSets
    }

    /// One likelihood judge per generator.
    public static func defaultJudges(for generators: [String]) -> [JudgeSpec] {
        generators.map { JudgeSpec.likelihood($0) }
    }

    /// Sampling options for pre-query instruction generation.
    public func instructionOptions(seed: UInt64, stop: [String] = []) -> GenerationOptions {
        GenerationOptions(maxTokens: maxTokens, temperature: temperature, topP: topP, seed: seed, stop: stop)
    }

    /// Sampling options for response generation.
    public func responseOptions(seed: UInt64, stop: [String] = []) -> GenerationOptions {
        GenerationOptions(maxTokens: responseMaxTokens, temperature: responseTemperature, topP: responseTopP, seed: seed, stop: stop)
    }

    enum CodingKeys: String, CodingKey {
        case instructions, temperature, topP = "top_p", maxTokens = "max_tokens", dedupThreshold = "dedup_threshold"
        case minChars = "min_chars", maxChars = "max_chars", generators, responsesPerModel = "responses_per_model"
        case responseTemperature = "response_temperature", responseTopP = "response_top_p"
        case responseMaxTokens = "response_max_tokens", judges, minScore = "min_score", storedJudgeSets = "judge_sets"
    }
}

/// `mix:` how much general data goes with the domain set in the mix arms.
public struct MixSpec: Codable, Hashable, Sendable {
    /// `general_share`: fraction of the mix that is general data, (0, 1). Default 0.83
    /// (general:domain = 83:17, the paper's secondary-source ratio).
    public var generalShare: Double
    /// `total`: size of the mix, a positive integer. Default (nil): the whole domain set plus
    /// enough general data for `general_share`, i.e. domain size / (1 − general_share), rounded.
    public var total: Int?
    /// `interleave`: spread the domain conversations evenly through each mix, so every batch carries
    /// the mix ratio, instead of shuffling general and domain data together (where the domain
    /// share of the last steps, which the model remembers best, varies from seed to seed). Default
    /// false.
    public var interleave: Bool {
        get { storedInterleave ?? false }
        set { storedInterleave = newValue ? true : nil }
    }
    /// Nil when false, so a spec without it encodes, and hashes, as it did before it existed.
    var storedInterleave: Bool?

    public init(generalShare: Double = 0.83, total: Int? = nil, interleave: Bool = false) {
        self.generalShare = generalShare; self.total = total
        self.interleave = interleave
    }

    /// The mix size for a domain set of `domainSize` conversations: `total` if given, else
    /// domain size / (1 − general_share), rounded.
    public func mixSize(domainSize: Int, generalShare share: Double? = nil) -> Int {
        if let total { return total }
        return Int((Double(domainSize) / (1 - (share ?? generalShare))).rounded())
    }

    enum CodingKeys: String, CodingKey {
        case generalShare = "general_share", total, storedInterleave = "interleave"
    }
}

/// `training:` fine-tuning hyperparameters shared by every fine-tuned arm.
public struct TrainingSpec: Codable, Hashable, Sendable {
    /// `epochs`: passes over the mix, (0, 100] (fractions allowed). Default 1.
    public var epochs: Double
    /// `learning_rate`: peak AdamW learning rate, (0, 1]. Default 1e-3.
    public var learningRate: Double
    /// `batch_size`: conversations per step, 1...1024. Default 16.
    public var batchSize: Int
    /// `warmup_fraction`: fraction of steps spent warming up, [0, 1). Default 0.05.
    public var warmupFraction: Double
    /// `user_token_weight`: loss weight on user-turn tokens, [0, 1]. Default 0 (assistant-only loss).
    public var userTokenWeight: Double
    /// `tokens`: when set, every fine-tuned arm trains on exactly this many tokens (its mix cycled
    /// in fresh shuffles or cut short), whatever the mix's size, instead of `epochs` passes: holds
    /// training compute fixed across arms. 1...10^12 or null. Default null.
    public var tokens: Int?

    public init(epochs: Double = 1, learningRate: Double = 1e-3, batchSize: Int = 16, warmupFraction: Double = 0.05,
                userTokenWeight: Double = 0, tokens: Int? = nil) {
        self.epochs = epochs; self.learningRate = learningRate; self.batchSize = batchSize
        self.warmupFraction = warmupFraction; self.userTokenWeight = userTokenWeight; self.tokens = tokens
    }

    /// The trainer settings for one replicate seed.
    public func fineTuneSettings(seed: UInt64) -> FineTuneSettings {
        FineTuneSettings(epochs: epochs, learningRate: learningRate, batchSize: batchSize, warmupFraction: warmupFraction,
                         userTokenWeight: userTokenWeight, seed: seed, tokens: tokens)
    }

    enum CodingKeys: String, CodingKey {
        case epochs, learningRate = "learning_rate", batchSize = "batch_size", warmupFraction = "warmup_fraction"
        case userTokenWeight = "user_token_weight", tokens
    }
}

/// Benchmarks are ordered general first (RetainCore's `BenchmarkKind`), so specs sort them the same way.
extension BenchmarkKind: Comparable {
    public static func < (a: BenchmarkKind, b: BenchmarkKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// `evaluation:` which benchmarks to run and how.
public struct EvaluationSpec: Codable, Hashable, Sendable {
    /// `max_tokens`: token limit for generative answers (greedy), 1...4096. Default 32.
    public var maxTokens: Int
    /// `benchmarks`: non-empty subset of {general, domain}, unique. Default both. Stored in the
    /// order general, domain.
    public var benchmarks: [BenchmarkKind]

    public init(maxTokens: Int = 32, benchmarks: [BenchmarkKind] = BenchmarkKind.allCases) {
        self.maxTokens = maxTokens; self.benchmarks = benchmarks
    }

    /// Greedy decoding options for generative answers.
    public func generationOptions(stop: [String] = []) -> GenerationOptions {
        GenerationOptions(maxTokens: maxTokens, stop: stop)
    }

    enum CodingKeys: String, CodingKey {
        case maxTokens = "max_tokens", benchmarks
    }
}

/// `sweep:` re-run one mix arm at several general shares (every seed, every share).
public struct SweepSpec: Codable, Hashable, Sendable {
    /// `arm` (required): a mix arm listed in `arms` (not instruct or domain-only).
    public var arm: Arm
    /// `general_shares` (required): 1...20 unique shares, each in (0, 1). Stored sorted ascending.
    public var generalShares: [Double]

    public init(arm: Arm, generalShares: [Double]) {
        self.arm = arm; self.generalShares = generalShares
    }

    /// The name of `arm` run at `share`: the share to 2 decimals (`reconstructed-mix@0.70`). The
    /// parser rejects shares whose names would collide.
    public static func pointName(arm: Arm, share: Double) -> String { arm.name + "@" + String(format: "%.2f", share) }

    enum CodingKeys: String, CodingKey {
        case arm, generalShares = "general_shares"
    }
}
