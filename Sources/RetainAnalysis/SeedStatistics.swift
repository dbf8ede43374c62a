import Foundation

/// Mean, sample standard deviation and Student-t interval of a few replicate values (e.g. one
/// metric over training seeds).
public struct SampleSummary: Codable, Hashable, Sendable {
    /// Number of values (seeds).
    public var n: Int
    public var mean: Double
    /// Sample standard deviation (denominator n − 1); nil when n = 1.
    public var sd: Double?
    /// mean ± t_{(1+level)/2, n−1} · sd / √n; nil when n = 1 (one seed gives no interval).
    public var ci: ConfidenceInterval?

    /// Summarises `values`; throws when empty.
    public init(_ values: [Double], level: Double = 0.95) throws {
        guard !values.isEmpty else { throw AnalysisError.empty("no values to summarise") }
        try validate(level: level)
        n = values.count
        mean = values.reduce(0, +) / Double(n)
        guard n > 1 else { sd = nil; ci = nil; return }
        let m = mean
        let s = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
        sd = s
        let half = SpecialFunctions.studentTQuantile((1 + level) / 2, df: Double(n - 1)) * s / Double(n).squareRoot()
        ci = ConfidenceInterval(lower: mean - half, upper: mean + half, level: level)
    }
}

/// The instruct model's own run-to-run spread on a benchmark (over evaluation seeds or
/// sampling settings): a Δ smaller than this is indistinguishable from evaluation noise, so
/// print it beside every Δ.
public struct NoiseFloor: Codable, Hashable, Sendable {
    /// Number of repeated evaluations.
    public var n: Int
    /// Mean accuracy (fraction).
    public var mean: Double
    /// Sample standard deviation of the accuracies (fraction); nil for a single evaluation.
    public var sd: Double?
    /// max − min of the accuracies (fraction); 0 for a single evaluation.
    public var range: Double

    /// Builds the floor from the instruct model's accuracies (fractions); throws when empty.
    public init(accuracies: [Double]) throws {
        let summary = try SampleSummary(accuracies)
        n = summary.n
        mean = summary.mean
        sd = summary.sd
        range = accuracies.max()! - accuracies.min()!
    }

    /// A floor whose spread comes from resampling rather than repeated runs: `range` is then the
    /// width of a central interval (e.g. 95%) rather than max − min.
    public init(n: Int, mean: Double, sd: Double?, range: Double) {
        self.n = n; self.mean = mean; self.sd = sd; self.range = range
    }
}

/// A per-seed metric of an `ArmComparison` that can be aggregated over seeds.
public enum SeedMetric: String, Codable, Hashable, Sendable, CaseIterable {
    case accBefore, accAfter, delta, F, BT, Fadj, BTadj

    /// The metric's value in one comparison (a fraction).
    public func value(in c: ArmComparison) -> Double {
        switch self {
        case .accBefore: return c.accBefore
        case .accAfter: return c.accAfter
        case .delta: return c.delta
        case .F: return c.F
        case .BT: return c.BT
        case .Fadj: return c.Fadj
        case .BTadj: return c.BTadj
        }
    }
}

/// One metric of one arm on one benchmark (optionally one family), aggregated over seeds.
public struct SeedAggregate: Codable, Hashable, Sendable {
    public var arm: String
    public var benchmark: String
    public var variant: MetricVariant
    /// nil for the whole benchmark.
    public var family: String?
    public var metric: SeedMetric
    /// The seeds aggregated, ascending.
    public var seeds: [Int]
    /// Number of seeds.
    public var n: Int
    public var mean: Double
    /// Sample sd over seeds; nil with one seed.
    public var sd: Double?
    /// Seed-level Student-t interval (n − 1 df); nil with one seed.
    public var ci: ConfidenceInterval?

    /// Aggregates `metric` over comparisons of the same arm, benchmark, variant and family that
    /// differ only in seed. Throws if they are mixed, empty, or repeat a seed.
    public init(_ comparisons: [ArmComparison], metric: SeedMetric, level: Double = 0.95) throws {
        guard let first = comparisons.first else { throw AnalysisError.empty("no comparisons to aggregate") }
        for c in comparisons {
            guard c.arm == first.arm, c.benchmark == first.benchmark, c.variant == first.variant,
                  c.family == first.family else {
                throw AnalysisError.mixedComparisons(
                    "'\(c.arm)'/'\(c.benchmark)'/\(c.variant)/\(c.family ?? "all") vs "
                        + "'\(first.arm)'/'\(first.benchmark)'/\(first.variant)/\(first.family ?? "all")")
            }
        }
        var seen = Set<Int>()
        for c in comparisons where !seen.insert(c.seed).inserted { throw AnalysisError.duplicateSeed(c.seed) }
        let sorted = comparisons.sorted { $0.seed < $1.seed }
        let summary = try SampleSummary(sorted.map(metric.value(in:)), level: level)
        arm = first.arm
        benchmark = first.benchmark
        variant = first.variant
        family = first.family
        self.metric = metric
        seeds = sorted.map(\.seed)
        n = summary.n
        mean = summary.mean
        sd = summary.sd
        ci = summary.ci
    }

    /// Every metric in `SeedMetric`, for the whole benchmark and then for each family (families
    /// matched by name across seeds, ascending; a family needs to appear in every seed).
    public static func summarize(_ comparisons: [ArmComparison], level: Double = 0.95) throws -> [SeedAggregate] {
        var result = try SeedMetric.allCases.map { try SeedAggregate(comparisons, metric: $0, level: level) }
        let names = Set(comparisons.flatMap { $0.families.map(\.family) }).compactMap { $0 }.sorted()
        for name in names {
            let perSeed = try comparisons.map { c -> ArmComparison in
                guard let f = c.families.first(where: { $0.family == name }) else {
                    throw AnalysisError.mixedComparisons("family '\(name)' is missing for seed \(c.seed)")
                }
                return f
            }
            result += try SeedMetric.allCases.map { try SeedAggregate(perSeed, metric: $0, level: level) }
        }
        return result
    }
}
