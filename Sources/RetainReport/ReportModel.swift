import Foundation
import RetainAnalysis
import RetainCore

/// Fixed number formatting for both renderers (points = fraction × 100, "." decimal, no locale,
/// no negative zero, "n/a" for non-finite values).
enum Fmt {
    static func number(_ x: Double, _ digits: Int, signed: Bool = false) -> String {
        guard x.isFinite else { return "n/a" }
        var s = String(format: signed ? "%+.\(digits)f" : "%.\(digits)f", x)
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
            s = (signed ? "+" : "") + s.dropFirst()
        }
        return s
    }
    /// A fraction as points, e.g. 0.577 → "57.7".
    static func pts(_ fraction: Double, _ digits: Int = 1) -> String { number(fraction * 100, digits) }
    /// A fraction as signed points, e.g. -0.026 → "-2.6".
    static func signed(_ fraction: Double, _ digits: Int = 1) -> String { number(fraction * 100, digits, signed: true) }
    /// "57.7 ± 0.4" (or "57.7" without an sd).
    static func meanSD(_ mean: Double, _ sd: Double?, signed: Bool = false, _ digits: Int = 1) -> String {
        let m = signed ? self.signed(mean, digits) : pts(mean, digits)
        return sd.map { m + " ± " + pts($0, digits) } ?? m
    }
    static func ci(_ ci: ConfidenceInterval?, _ digits: Int = 1) -> String {
        ci.map { "[\(signed($0.lower, digits)), \(signed($0.upper, digits))]" } ?? "n/a"
    }
}

/// One arm's score on one column of the main table: accuracy after fine-tuning and Δ against
/// the instruct model, each as mean and sd over seeds, with the significance markers.
struct ScoreCell {
    var seeds: Int
    var mean: Double
    var sd: Double?
    var delta: Double
    var deltaSD: Double?
    var deltaCI: ConfidenceInterval?
    /// The 95% interval of Δ excludes 0 (seed-level t interval; the bootstrap interval with one seed).
    var significant: Bool
    /// Every seed's Holm-adjusted McNemar p < 0.05.
    var holm: Bool

    var markers: String { (significant ? "*" : "") + (holm ? "†" : "") }
    /// "55.1 ± 0.6 (Δ -2.6*†)".
    var text: String { Fmt.meanSD(mean, sd) + " (Δ " + Fmt.signed(delta) + markers + ")" }
}

/// Numbers derived from an `ExperimentAnalysis` that both renderers share.
struct ReportModel {
    static let reference = "instruct"
    let analysis: ExperimentAnalysis

    init(_ analysis: ExperimentAnalysis) { self.analysis = analysis }

    var general: [BenchmarkInfo] { analysis.benchmarks.filter { $0.kind == .general } }
    var domain: [BenchmarkInfo] { analysis.benchmarks.filter { $0.kind == .domain } }
    /// Every arm but the reference, in spec order.
    var fineTuned: [String] { analysis.arms.filter { $0 != Self.reference } }
    /// Variants other than mc that have comparisons, in declaration order.
    var otherVariants: [MetricVariant] {
        MetricVariant.allCases.filter { v in v != .mc && analysis.comparisons.contains { $0.variant == v } }
    }

    func instruct(_ benchmark: String, _ variant: MetricVariant) -> InstructScore? {
        analysis.instruct.first { $0.benchmark == benchmark && $0.variant == variant }
    }

    /// The instruct model's mean accuracy over `benchmarks` (nil if any is missing).
    func instructAverage(_ benchmarks: [BenchmarkInfo], _ variant: MetricVariant) -> Double? {
        let scores = benchmarks.compactMap { instruct($0.name, variant)?.accuracy }
        guard !scores.isEmpty, scores.count == benchmarks.count else { return nil }
        return scores.reduce(0, +) / Double(scores.count)
    }

    /// One benchmark column for an arm.
    func cell(_ arm: String, _ benchmark: String, _ variant: MetricVariant) -> ScoreCell? {
        let perSeed = analysis.comparisons(arm: arm, benchmark: benchmark, variant: variant)
        guard !perSeed.isEmpty else { return nil }
        let after = analysis.aggregate(arm: arm, benchmark: benchmark, variant: variant, metric: .accAfter)
        let delta = analysis.aggregate(arm: arm, benchmark: benchmark, variant: variant, metric: .delta)
        let afterSummary = try? SampleSummary(perSeed.map(\.accAfter))
        let deltaSummary = try? SampleSummary(perSeed.map(\.delta))
        let interval = delta?.ci ?? (perSeed.count == 1 ? perSeed[0].ci : deltaSummary?.ci)
        return ScoreCell(
            seeds: perSeed.count,
            mean: after?.mean ?? afterSummary?.mean ?? .nan, sd: after?.sd ?? afterSummary?.sd,
            delta: delta?.mean ?? deltaSummary?.mean ?? .nan, deltaSD: delta?.sd ?? deltaSummary?.sd,
            deltaCI: interval, significant: interval.map { $0.lower > 0 || $0.upper < 0 } ?? false,
            holm: perSeed.allSatisfy { ($0.pHolm ?? 1) < 0.05 })
    }

    /// The mean over `benchmarks` for an arm: per seed the average of accuracy and of Δ over the
    /// benchmarks, then mean ± sd and a t interval over seeds (no interval, so no `*`, with one
    /// seed; no `†`, McNemar being per benchmark).
    func averageCell(_ arm: String, _ benchmarks: [BenchmarkInfo], _ variant: MetricVariant) -> ScoreCell? {
        guard !benchmarks.isEmpty else { return nil }
        let lists = benchmarks.map { analysis.comparisons(arm: arm, benchmark: $0.name, variant: variant) }
        var seeds = Set(lists.first?.map(\.seed) ?? [])
        for list in lists { seeds.formIntersection(list.map(\.seed)) }
        guard !seeds.isEmpty else { return nil }
        var after: [Double] = [], deltas: [Double] = []
        for seed in seeds.sorted() {
            let rows = lists.map { list in list.first { $0.seed == seed }! }
            after.append(rows.map(\.accAfter).reduce(0, +) / Double(rows.count))
            deltas.append(rows.map(\.delta).reduce(0, +) / Double(rows.count))
        }
        guard let a = try? SampleSummary(after), let d = try? SampleSummary(deltas) else { return nil }
        return ScoreCell(seeds: a.n, mean: a.mean, sd: a.sd, delta: d.mean, deltaSD: d.sd, deltaCI: d.ci,
                         significant: d.ci.map { $0.lower > 0 || $0.upper < 0 } ?? false, holm: false)
    }

    /// The public-mix arms with the highest and lowest general-average Δ (mc); ties go to the
    /// earlier arm in spec order.
    func publicExtremes() -> (best: String, worst: String)? {
        let scored = fineTuned.filter { $0.hasPrefix("public-mix:") }
            .compactMap { arm in averageCell(arm, general, .mc).map { (arm, $0.delta) } }
        guard var best = scored.first, var worst = scored.first else { return nil }
        for s in scored.dropFirst() {
            if s.1 > best.1 { best = s }
            if s.1 < worst.1 { worst = s }
        }
        return (best.0, worst.0)
    }

    /// A point of the trade-off chart: forgetting = −Δ general average, gain = Δ domain average (points).
    struct TradeOff { var arm: String; var forgetting: Double; var gain: Double; var forgettingSD: Double?; var gainSD: Double? }

    /// Every arm with both coordinates (mc), the instruct model at the origin.
    func tradeOffs() -> [TradeOff] {
        var points: [TradeOff] = analysis.arms.contains(Self.reference)
            ? [TradeOff(arm: Self.reference, forgetting: 0, gain: 0, forgettingSD: nil, gainSD: nil)] : []
        for arm in fineTuned {
            guard let g = averageCell(arm, general, .mc), let d = averageCell(arm, domain, .mc) else { continue }
            points.append(TradeOff(arm: arm, forgetting: -g.delta * 100, gain: d.delta * 100,
                                   forgettingSD: g.deltaSD.map { $0 * 100 }, gainSD: d.deltaSD.map { $0 * 100 }))
        }
        return points
    }

    /// Indices of the non-dominated points (no other point has at least as much gain and at most
    /// as much forgetting, one of them strictly), sorted by forgetting.
    static func paretoFrontier(_ points: [TradeOff]) -> [Int] {
        points.indices.filter { i in
            !points.indices.contains { j in
                j != i && points[j].gain >= points[i].gain && points[j].forgetting <= points[i].forgetting
                    && (points[j].gain > points[i].gain || points[j].forgetting < points[i].forgetting)
            }
        }.sorted { (points[$0].forgetting, points[$0].gain) < (points[$1].forgetting, points[$1].gain) }
    }

    /// Mean over seeds of a family metric (mc), from the aggregates, else from the comparisons.
    func familyMetric(_ arm: String, _ benchmark: String, _ family: String, _ metric: SeedMetric) -> Double? {
        if let a = analysis.aggregates.first(where: {
            $0.arm == arm && $0.benchmark == benchmark && $0.variant == .mc && $0.family == family && $0.metric == metric
        }) { return a.mean }
        let values = analysis.comparisons(arm: arm, benchmark: benchmark, variant: .mc)
            .compactMap { $0.families.first { $0.family == family } }.map(metric.value(in:))
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Family names of a benchmark (mc), ascending, over every arm and seed.
    func families(_ benchmark: String) -> [String] {
        let names = analysis.comparisons.filter { $0.benchmark == benchmark && $0.variant == .mc && $0.family == nil }
            .flatMap { $0.families.compactMap(\.family) }
        return Array(Set(names)).sorted()
    }
}
