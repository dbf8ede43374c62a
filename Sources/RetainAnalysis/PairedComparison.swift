import Foundation
import RetainCore

/// Settings of the paired arm-vs-arm comparisons: the power analysis, the interval level and the
/// minimum detectable effects the design should reach (fractions: 0.03 = 3 points).
public struct PairedOptions: Codable, Hashable, Sendable {
    /// Two-sided significance level of the MDE.
    public var alpha = 0.05
    /// Power of the MDE.
    public var power = 0.8
    /// Coverage of the normal interval Δ̄ ± z·SE.
    public var level = 0.95
    /// The variant compared (multiple choice: deterministic, so only items and seeds add noise).
    public var variant = MetricVariant.mc
    /// The MDE a comparison on the general benchmarks should reach.
    public var generalTarget = 0.03
    /// The MDE a comparison on the domain benchmarks should reach (fewer items, so looser).
    public var domainTarget = 0.05

    public init() {}

    public func target(_ role: BenchmarkKind) -> Double { role == .general ? generalTarget : domainTarget }
}

/// One seed of a paired comparison: Δ_s and its item-sampling variance v_s.
public struct PairedSeedDifference: Codable, Hashable, Sendable {
    public var seed: Int
    /// Δ_s = A − B, mean of the per-benchmark mean differences.
    public var delta: Double
    /// v_s, the item-sampling variance of `delta`.
    public var variance: Double
    /// Items paired at this seed (over the role's benchmarks).
    public var items: Int
    /// Of them, items where A and B differ.
    public var discordant: Int
    public init(seed: Int, delta: Double, variance: Double, items: Int, discordant: Int) {
        self.seed = seed; self.delta = delta; self.variance = variance; self.items = items; self.discordant = discordant
    }
}

/// Arm A against arm B on the benchmarks of one role, item by item at matching training seeds,
/// with the minimum effect the design can detect. Fractions throughout (× 100 for points).
///
/// Per seed s and benchmark b, d_i = a_i − b_i ∈ {−1, 0, 1} over the benchmark's items, with
/// Δ_{s,b} = mean d_i and item-sampling variance v_{s,b} = (mean d_i² − Δ_{s,b}²) / (n_b − 1).
/// The role's benchmarks are averaged as a mean of per-benchmark means, B of them:
/// Δ_s = Σ_b Δ_{s,b} / B and v_s = Σ_b v_{s,b} / B² (the variance of that mean). Over S seeds:
///
///     Δ̄ = mean Δ_s
///     within = mean v_s / S
///     σ̂² = max(0, sample variance of Δ_s − mean v_s)      (training-seed spread; 0 when S = 1)
///     SE = √(within + σ̂² / S)
///     interval = Δ̄ ± z_{(1+level)/2} · SE
///     MDE = (z_{1−α/2} + z_{power}) · SE                  (α 0.05, power 0.8: 2.8016 · SE)
///
/// So the noise is the world's own: items sampled within a seed plus the spread between training
/// seeds beyond what item sampling explains. The instruct model is evaluated once (seed nil) and
/// stands on its side at every seed.
public struct PairedComparison: Codable, Hashable, Sendable {
    /// What the comparison asks, e.g. "method vs domain-only".
    public var question: String
    public var a: String
    public var b: String
    public var role: BenchmarkKind
    public var variant: MetricVariant
    public var benchmarks: [String]
    public var perSeed: [PairedSeedDifference]
    /// Δ̄ = A − B.
    public var delta: Double
    /// mean v_s / S.
    public var within: Double
    /// σ̂², the training-seed variance of Δ_s beyond item sampling.
    public var seedVariance: Double
    public var se: Double
    public var ci: ConfidenceInterval
    /// (z_{1−α/2} + z_power) · SE; nil when SE = 0 (no item differs and the seeds agree: the
    /// normal approximation then says nothing about power).
    public var mde: Double?
    /// Share of all paired items (every seed and benchmark) where A and B differ.
    public var discordance: Double
    public var alpha: Double
    public var power: Double

    public var seeds: [Int] { perSeed.map(\.seed) }

    /// Compares `a` with `b` on `benchmarks` (one role) from per-item records of `variant`. Uses
    /// every seed at which both arms have every benchmark (a record with seed nil, the instruct
    /// model's, counts for every seed). Throws `AnalysisError` when no seed is shared, an item is
    /// on one side only, or a benchmark has fewer than 2 items.
    public init(question: String, a: String, b: String, role: BenchmarkKind, benchmarks: [String],
                records: [ItemOutcomeRecord], options: PairedOptions = PairedOptions()) throws {
        try validate(level: options.level, alpha: options.alpha, power: options.power)
        guard !benchmarks.isEmpty else { throw AnalysisError.empty("no \(role.rawValue) benchmarks to compare '\(a)' and '\(b)' on") }
        let variant = options.variant
        func runs(_ arm: String) -> [Int?: [String: [ItemOutcome]]] {
            var out: [Int?: [String: [ItemOutcome]]] = [:]
            for r in records where r.arm == arm && r.variant == variant && benchmarks.contains(r.benchmark) {
                out[r.seed, default: [:]][r.benchmark] = r.outcomes
            }
            return out.filter { $0.value.count == benchmarks.count }
        }
        let runsA = runs(a), runsB = runs(b)
        func seeds(_ r: [Int?: [String: [ItemOutcome]]]) -> Set<Int>? { r[nil] != nil ? nil : Set(r.keys.compactMap { $0 }) }
        // nil = "any seed" (a single unseeded run).
        let shared: [Int]
        switch (seeds(runsA), seeds(runsB)) {
        case let (x?, y?): shared = x.intersection(y).sorted()
        case let (x?, nil), let (nil, x?): shared = x.sorted()
        case (nil, nil): shared = []
        }
        guard !shared.isEmpty else { throw AnalysisError.empty("'\(a)' and '\(b)' share no seed with every \(role.rawValue) benchmark") }

        var perSeed: [PairedSeedDifference] = []
        for s in shared {
            let sideA = runsA[s] ?? runsA[nil]!, sideB = runsB[s] ?? runsB[nil]!
            var delta = 0.0, variance = 0.0, items = 0, discordant = 0
            for bench in benchmarks {
                // before = B, after = A, so TransitionCounts.delta = mean(a − b).
                let t = TransitionCounts(try pairOutcomes(before: sideB[bench]!, after: sideA[bench]!))
                guard t.n >= 2 else { throw AnalysisError.empty("benchmark '\(bench)' has \(t.n) item(s); a variance needs 2") }
                delta += t.delta
                variance += max(0, t.discordanceRate - t.delta * t.delta) / Double(t.n - 1)
                items += t.n
                discordant += t.discordant
            }
            let count = Double(benchmarks.count)
            perSeed.append(PairedSeedDifference(seed: s, delta: delta / count, variance: variance / (count * count),
                                                items: items, discordant: discordant))
        }
        self.init(question: question, a: a, b: b, role: role, benchmarks: benchmarks, perSeed: perSeed, options: options)
    }

    /// Combines per-seed differences as in the type's description.
    public init(question: String, a: String, b: String, role: BenchmarkKind, benchmarks: [String],
                perSeed: [PairedSeedDifference], options: PairedOptions = PairedOptions()) {
        precondition(!perSeed.isEmpty, "a paired comparison needs at least one seed")
        self.question = question; self.a = a; self.b = b; self.role = role; variant = options.variant
        self.benchmarks = benchmarks; self.perSeed = perSeed; alpha = options.alpha; power = options.power
        let s = Double(perSeed.count)
        delta = perSeed.map(\.delta).reduce(0, +) / s
        let meanV = perSeed.map(\.variance).reduce(0, +) / s
        within = meanV / s
        if perSeed.count > 1 {
            let m = delta
            let sampleVariance = perSeed.map { ($0.delta - m) * ($0.delta - m) }.reduce(0, +) / (s - 1)
            seedVariance = max(0, sampleVariance - meanV)
        } else {
            seedVariance = 0
        }
        se = (within + seedVariance / s).squareRoot()
        let z = SpecialFunctions.normalQuantile((1 + options.level) / 2)
        ci = ConfidenceInterval(lower: delta - z * se, upper: delta + z * se, level: options.level)
        let zSum = SpecialFunctions.normalQuantile(1 - options.alpha / 2) + SpecialFunctions.normalQuantile(options.power)
        mde = se > 0 ? zSum * se : nil
        let items = perSeed.map(\.items).reduce(0, +)
        discordance = items > 0 ? Double(perSeed.map(\.discordant).reduce(0, +)) / Double(items) : 0
    }
}
