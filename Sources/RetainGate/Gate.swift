import Foundation
import RetainAnalysis
import RetainCore
import RetainYAML

/// Checks a budget file against an experiment's analysis.
public enum Gate {
    /// Ties pass: a value within this many points of its threshold counts as on the allowed side
    /// (so 3.0 written in YAML is not failed by a 3.0000000001 from floating-point sums).
    public static let tiePoints = 1e-9

    /// The arm every Δ is measured against; its Δ is 0 by definition (`not_worse: {than: instruct}`).
    public static let referenceArm = "instruct"

    /// Evaluates every budget, in file order.
    ///
    /// - Parameters:
    ///   - items: the per-item records the analysis paired (`ExperimentAnalyzer.analyze`'s
    ///     `itemOutcomes`); a `pinned` rule with a format-2 file checks against them, and without
    ///     them cannot be checked (a `GateError`).
    ///   - pinned: loads a pinned results file by the path written in a `pinned` rule (called
    ///     once per distinct path; e.g. `PinnedResults.loader(relativeTo:)`). Its errors
    ///     propagate unchanged.
    /// - Returns: one `RuleResult` per budget; `exitCode` is 0 when all hold, 1 otherwise.
    /// - Throws: `GateError` when a budget cannot be checked against this analysis (unknown arm or
    ///   benchmark, a variant or seed missing, an empty analysis, the wrong experiment): the CLI
    ///   exits 2. Nothing is evaluated partially.
    public static func evaluate(_ budget: BudgetFile, analysis: ExperimentAnalysis, items: [ItemOutcomeRecord]? = nil,
                                pinned: (String) throws -> PinnedResults) throws -> GateResult {
        if let wanted = budget.experiment, wanted != analysis.experiment {
            throw GateError.experimentMismatch(budget: wanted, analysis: analysis.experiment, file: budget.file)
        }
        guard !analysis.comparisons.isEmpty else {
            throw GateError.emptyAnalysis("experiment \(quotedName(analysis.experiment)) has no fine-tuned arm results")
        }
        let data = GateData(analysis: analysis, items: items)
        var cache: [String: PinnedResults] = [:]
        let results = try budget.budgets.map { b -> RuleResult in
            switch b.rule {
            case .generalForgetting(let rule): return try data.evaluate(rule, b)
            case .detectsForgetting(let rule): return try data.evaluate(rule, b)
            case .domainGain(let rule): return try data.evaluate(rule, b)
            case .notWorse(let rule): return try data.evaluate(rule, b)
            case .familyForgetting(let rule): return try data.evaluate(rule, b)
            case .pinned(let rule):
                let file: PinnedResults
                if let hit = cache[rule.file] { file = hit } else { file = try pinned(rule.file); cache[rule.file] = file }
                return try data.evaluate(rule, b, pinned: file)
            }
        }
        return GateResult(experiment: analysis.experiment, budgetFile: budget.file, rules: results)
    }
}

/// A selector's benchmarks averaged per seed: Δ in points, one value per seed, and its summary.
struct GroupDelta {
    /// The benchmarks averaged, in analysis order.
    var benchmarks: [String]
    var seeds: [Int]
    /// Per seed, the mean Δ over `benchmarks`, in points.
    var values: [Double]
    /// Per seed (same order), the whole-benchmark comparisons averaged.
    var comparisons: [[ArmComparison]]
    var summary: SampleSummary
    var level: Double
}

/// Lookups into the analysis that turn every gap into a `GateError` naming the budget.
struct GateData {
    let analysis: ExperimentAnalysis
    /// The per-item records the analysis paired, when the caller has them (format-2 pins).
    var items: [ItemOutcomeRecord]? = nil

    /// The arms a rule may name: the analysis' arms plus any arm that has comparisons.
    var knownArms: [String] {
        var arms = analysis.arms
        for c in analysis.comparisons where !arms.contains(c.arm) { arms.append(c.arm) }
        return arms
    }

    var knownBenchmarks: [String] {
        var names = analysis.benchmarks.map(\.name)
        for c in analysis.comparisons where !names.contains(c.benchmark) { names.append(c.benchmark) }
        return names
    }

    /// Throws `.unknownArm` unless the arm is in the analysis.
    func requireArm(_ arm: String, _ field: String, _ budget: Budget) throws {
        guard knownArms.contains(arm) else {
            throw GateError.unknownArm(location: budget.location.description, budget: budget.name,
                                       field: "\(budget.path).\(budget.rule.key).\(field)", arm: arm, known: knownArms)
        }
    }

    /// The benchmark names a selector stands for, in analysis order.
    func benchmarks(_ selector: BenchmarkSelector, _ budget: Budget) throws -> [String] {
        let names: [String]
        switch selector {
        case .kind(let kind): names = analysis.benchmarks.filter { $0.kind == kind }.map(\.name)
        case .named(let name): names = knownBenchmarks.contains(name) ? [name] : []
        }
        guard !names.isEmpty else {
            throw GateError.unknownBenchmark(location: budget.location.description, budget: budget.name,
                                             field: "\(budget.path).\(budget.rule.key).benchmark", benchmark: selector.description,
                                             known: knownBenchmarks)
        }
        return names
    }

    /// The whole-benchmark comparisons of an arm on each benchmark, grouped by seed; every
    /// benchmark must have every seed.
    func bySeed(arm: String, benchmarks: [String], variant: MetricVariant, _ budget: Budget) throws -> [(seed: Int, comparisons: [ArmComparison])] {
        var table: [Int: [ArmComparison]] = [:]
        for name in benchmarks {
            let found = analysis.comparisons(arm: arm, benchmark: name, variant: variant)
            guard !found.isEmpty else {
                let variants = Set(analysis.comparisons.filter { $0.arm == arm && $0.benchmark == name }.map(\.variant))
                let have = MetricVariant.allCases.filter(variants.contains).map(\.rawValue)
                throw GateError.missingData(location: budget.location.description, budget: budget.name,
                                            message: "arm \(quotedName(arm)) has no \(variant.rawValue) results on benchmark \(quotedName(name))"
                                                + (have.isEmpty ? "" : " (variants evaluated: \(have.joined(separator: ", ")))"))
            }
            for c in found { table[c.seed, default: []].append(c) }
        }
        for (seed, list) in table where list.count != benchmarks.count {
            let missing = benchmarks.filter { b in !list.contains { $0.benchmark == b } }
            throw GateError.missingData(location: budget.location.description, budget: budget.name,
                                        message: "arm \(quotedName(arm)) seed \(seed) has no \(variant.rawValue) results on "
                                            + missing.map(quotedName).joined(separator: ", ") + " (or has them twice)")
        }
        return table.keys.sorted().map { seed in
            (seed, benchmarks.map { b in table[seed]!.first { $0.benchmark == b }! })
        }
    }

    /// Per seed, the arm's Δ averaged over the selected benchmarks (points), summarised across
    /// seeds at `level`. With `allowReference`, the reference arm gives Δ = 0 (one value).
    func groupDelta(arm: String, field: String, selector: BenchmarkSelector, variant: MetricVariant, level: Double = 0.95,
                    allowReference: Bool = false, _ budget: Budget) throws -> GroupDelta {
        let names = try benchmarks(selector, budget)
        if arm == Gate.referenceArm && !analysis.comparisons.contains(where: { $0.arm == arm }) {
            guard allowReference else {
                throw GateError.missingData(location: budget.location.description, budget: budget.name,
                                            message: "\(budget.path).\(budget.rule.key).\(field): \(quotedName(arm)) is the reference every Δ is measured against (its Δ is 0); name a fine-tuned arm")
            }
            return GroupDelta(benchmarks: names, seeds: [], values: [0], comparisons: [], summary: try SampleSummary([0], level: level), level: level)
        }
        try requireArm(arm, field, budget)
        let seeds = try bySeed(arm: arm, benchmarks: names, variant: variant, budget)
        let values = seeds.map { s in s.comparisons.map(\.delta).reduce(0, +) / Double(s.comparisons.count) * 100 }
        return GroupDelta(benchmarks: names, seeds: seeds.map(\.seed), values: values, comparisons: seeds.map(\.comparisons),
                          summary: try SampleSummary(values, level: level), level: level)
    }
}

extension GroupDelta {
    /// "(95% CI −6.10…−2.30)" or "(1 seed, no CI)".
    var intervalText: String { Points.interval(summary.ci?.lower, summary.ci?.upper, level: level, seeds: summary.n) }
}
