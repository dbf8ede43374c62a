import Foundation
import RetainCore

/// The arm pairs the report leads with, each compared on both roles by `PairedComparison`.
/// Arms are matched by their spec spelling; a pair with an arm absent from the experiment is
/// skipped.
public enum KeyComparisons {
    public static let reference = "instruct"
    public static let method = "reconstructed-mix"
    public static let domainOnly = "domain-only"
    public static let domainOnlyRepeated = "domain-only-repeated"
    public static let oracle = "oracle-replay"
    public static let oneResponse = "one-model-one-response"
    public static let selfJudged = "one-model-three-self-judged"
    public static let publicPrefix = "public-mix:"

    public struct Pair: Hashable, Sendable {
        public var question: String
        public var a: String
        public var b: String
        public init(_ question: String, _ a: String, _ b: String) { self.question = question; self.a = a; self.b = b }
    }

    /// The pairs to compare, in display order: method vs domain-only, method vs the best public
    /// set, oracle-replay vs method, the equal-compute pair, method vs the other public sets and the
    /// ablation ladder (the findings need them), then every arm vs instruct (the forgetting
    /// itself). `bestPublic` is the public-mix arm with the highest general accuracy.
    public static func plan(arms: [String], bestPublic: String?) -> [Pair] {
        let present = Set(arms)
        var pairs: [Pair] = [Pair("method vs domain-only", method, domainOnly)]
        if let best = bestPublic { pairs.append(Pair("method vs the best public set", method, best)) }
        pairs += [Pair("oracle-replay vs method", oracle, method),
                  Pair("more steps", domainOnlyRepeated, domainOnly),
                  Pair("which data at about equal steps", method, domainOnlyRepeated)]
        for arm in arms where arm.hasPrefix(publicPrefix) && arm != bestPublic { pairs.append(Pair("method vs a public set", method, arm)) }
        pairs += [Pair("3×3 committee vs 1×3 self-judged", method, selfJudged),
                  Pair("1×3 self-judged vs 1×1", selfJudged, oneResponse)]
        for arm in arms where arm != reference { pairs.append(Pair("vs instruct", arm, reference)) }
        return pairs.filter { present.contains($0.a) && present.contains($0.b) }
    }

    /// Mean accuracy of an arm on the benchmarks of a role: per seed the mean over the benchmarks
    /// (every one needed), then the mean over seeds; nil without a complete seed.
    public static func meanAccuracy(_ arm: String, benchmarks: [String], records: [ItemOutcomeRecord],
                                    variant: MetricVariant = .mc) -> Double? {
        guard !benchmarks.isEmpty else { return nil }
        var bySeed: [Int?: [String: Double]] = [:]
        for r in records where r.arm == arm && r.variant == variant && benchmarks.contains(r.benchmark) && !r.outcomes.isEmpty {
            bySeed[r.seed, default: [:]][r.benchmark] = Double(r.outcomes.filter(\.correct).count) / Double(r.outcomes.count)
        }
        let perSeed = bySeed.values.filter { $0.count == benchmarks.count }.map { $0.values.reduce(0, +) / Double(benchmarks.count) }
        return perSeed.isEmpty ? nil : perSeed.reduce(0, +) / Double(perSeed.count)
    }

    /// The public-mix arm with the highest mean general accuracy; ties go to the earlier arm.
    public static func bestPublic(arms: [String], generalBenchmarks: [String], records: [ItemOutcomeRecord],
                                  variant: MetricVariant = .mc) -> String? {
        var best: (String, Double)?
        for arm in arms where arm.hasPrefix(publicPrefix) {
            guard let acc = meanAccuracy(arm, benchmarks: generalBenchmarks, records: records, variant: variant) else { continue }
            if best == nil || acc > best!.1 { best = (arm, acc) }
        }
        return best?.0
    }

    /// Every planned pair on every role that has benchmarks, general first; a pair the records
    /// cannot support (no shared seed, a benchmark under 2 items) is left out.
    public static func build(arms: [String], benchmarks: [BenchmarkInfo], records: [ItemOutcomeRecord],
                             options: PairedOptions = PairedOptions()) throws -> [PairedComparison] {
        let names = { (kind: BenchmarkKind) in benchmarks.filter { $0.kind == kind }.map(\.name) }
        let best = bestPublic(arms: arms, generalBenchmarks: names(.general), records: records, variant: options.variant)
        var out: [PairedComparison] = []
        for pair in plan(arms: arms, bestPublic: best) {
            for role in [BenchmarkKind.general, .domain] where !names(role).isEmpty {
                do {
                    out.append(try PairedComparison(question: pair.question, a: pair.a, b: pair.b, role: role,
                                                    benchmarks: names(role), records: records, options: options))
                } catch AnalysisError.empty(_) {
                    continue
                }
            }
        }
        return out
    }
}
