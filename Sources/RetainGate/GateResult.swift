import Foundation
import RetainYAML

/// The outcome of one budget. All numbers are in percentage points.
///
/// `margin` is the distance to the threshold on the allowed side: positive (or 0) means the
/// measured value is within the threshold by that much, negative means it is past it by |margin|.
/// Only a `general_forgetting` rule can pass with a negative margin: when the drop exceeds the
/// budget but is not significant. Only a `pinned` rule (format 2) can fail with a non-negative
/// margin: when a record changed significantly but by less than `max_points`, or (`exact`)
/// changed in two items that cancel out.
public struct RuleResult: Codable, Hashable, Sendable {
    /// The budget's name.
    public var name: String
    /// The rule's YAML key (`general_forgetting`, `domain_gain`, ...).
    public var rule: String
    public var passed: Bool
    /// What was measured, in points: the mean drop (general_forgetting), the mean gain
    /// (domain_gain), Δ(arm) − Δ(than) (not_worse), the worst family's value
    /// (family_forgetting); for pinned: the largest |Δ| of a record (format 2), the share of items
    /// changed in the most-changed record (format 2, exact) or the largest |analysis − pinned|
    /// mean (format 1); nil when nothing pinned could be compared.
    public var measured: Double?
    /// The threshold, in points: max_points, min_points, −tolerance_points (not_worse), or for
    /// pinned max_points (tolerance_points) or 0 (exact).
    public var threshold: Double
    /// Signed distance to the threshold, in points (see the type's documentation); nil when
    /// `measured` is nil.
    public var margin: Double?
    /// One line: `PASS|FAIL name: ...`.
    public var message: String
    /// Further lines (each family over budget, each pinned entry or record off or missing, notes).
    public var details: [String]

    public init(name: String, rule: String, passed: Bool, measured: Double?, threshold: Double, margin: Double?,
                message: String, details: [String] = []) {
        self.name = name; self.rule = rule; self.passed = passed; self.measured = measured
        self.threshold = threshold; self.margin = margin; self.message = message; self.details = details
    }
}

/// Every budget's outcome, in file order.
public struct GateResult: Codable, Hashable, Sendable {
    /// The experiment checked.
    public var experiment: String
    /// The budget file's name.
    public var budgetFile: String
    public var rules: [RuleResult]

    public init(experiment: String, budgetFile: String, rules: [RuleResult]) {
        self.experiment = experiment; self.budgetFile = budgetFile; self.rules = rules
    }

    /// Whether every budget holds.
    public var passed: Bool { rules.allSatisfy(\.passed) }

    /// The rules that failed.
    public var failures: [RuleResult] { rules.filter { !$0.passed } }

    /// 0 when every budget holds, 1 when one fails. (Data and usage errors are thrown as
    /// `GateError` / `BudgetError`; the CLI exits 2 for those.)
    public var exitCode: Int32 { passed ? 0 : 1 }

    /// One line per rule with its details indented, then a summary line (no trailing newline,
    /// for `print`).
    public var text: String {
        var lines: [String] = []
        for rule in rules {
            lines.append(rule.message)
            lines += rule.details.map { "    " + $0 }
        }
        let failed = failures.count
        let verdict = failed == 0
            ? "all \(rules.count) budget\(rules.count == 1 ? "" : "s") hold"
            : "\(failed) of \(rules.count) budget\(rules.count == 1 ? "" : "s") failed"
        lines.append("gate \(failed == 0 ? "passed" : "FAILED"): \(verdict) (experiment \(experiment), budget \(budgetFile))")
        return lines.joined(separator: "\n")
    }
}

/// A budget that cannot be checked against this analysis (a data or usage error: the CLI exits
/// 2). Messages name the budget's position in its file.
public enum GateError: Error, LocalizedError, CustomStringConvertible, Hashable, Sendable {
    /// The analysis has no fine-tuned comparisons (or nothing to pin).
    case emptyAnalysis(String)
    /// The budget's `experiment:` differs from the analysed experiment.
    case experimentMismatch(budget: String, analysis: String, file: String)
    /// A rule names an arm the analysis does not have.
    case unknownArm(location: String, budget: String, field: String, arm: String, known: [String])
    /// A rule names a benchmark (or a kind with no benchmark) the analysis does not have.
    case unknownBenchmark(location: String, budget: String, field: String, benchmark: String, known: [String])
    /// The arm exists but lacks the comparisons a rule needs (variant not evaluated, a seed
    /// missing for one benchmark, ...).
    case missingData(location: String, budget: String, message: String)
    /// A pinned results file that cannot be read or decoded.
    case pinnedFile(file: String, message: String)

    public var description: String {
        switch self {
        case .emptyAnalysis(let what):
            return "nothing to gate: \(what)"
        case .experimentMismatch(let budget, let analysis, let file):
            return "\(file): experiment: the budget is for experiment \(quotedName(budget)) but the analysis is of \(quotedName(analysis))"
        case .unknownArm(let location, let budget, let field, let arm, let known):
            var message = "\(location): \(field) (budget \(quotedName(budget))): unknown arm \(quotedName(arm))"
            if let suggestion = EditDistance.suggestion(for: arm, among: known) { message += "; did you mean \"\(suggestion)\"?" }
            return message + " (arms in the analysis: \(known.joined(separator: ", ")))"
        case .unknownBenchmark(let location, let budget, let field, let benchmark, let known):
            var message = "\(location): \(field) (budget \(quotedName(budget))): no benchmark \(quotedName(benchmark))"
            if let suggestion = EditDistance.suggestion(for: benchmark, among: known) { message += "; did you mean \"\(suggestion)\"?" }
            return message + " (benchmarks in the analysis: \(known.joined(separator: ", ")); or general | domain for every benchmark of a kind)"
        case .missingData(let location, let budget, let message):
            return "\(location): budget \(quotedName(budget)): \(message)"
        case .pinnedFile(let file, let message):
            return "\(file): pinned results: \(message)"
        }
    }

    public var errorDescription: String? { description }
}

/// Point formatting for gate messages (two decimals, a true minus sign).
enum Points {
    /// Signed: "+1.20", "−4.20".
    static func signed(_ points: Double) -> String {
        let value = abs(points) < 0.005 ? 0 : points
        return (value < 0 ? "\u{2212}" : "+") + String(format: "%.2f", abs(value))
    }

    /// Unsigned magnitude: "4.20".
    static func plain(_ points: Double) -> String {
        let value = abs(points) < 0.005 ? 0 : points
        return (value < 0 ? "\u{2212}" : "") + String(format: "%.2f", abs(value))
    }

    /// "(95% CI −6.10…−2.30)", or "(1 seed, no CI)" without an interval.
    static func interval(_ lower: Double?, _ upper: Double?, level: Double, seeds: Int) -> String {
        guard let lower, let upper else { return "(\(seeds) seed\(seeds == 1 ? "" : "s"), no CI)" }
        let pct = level * 100
        let levelText = pct == pct.rounded() ? String(Int(pct)) : String(format: "%.1f", pct)
        return "(\(levelText)% CI \(signed(lower))…\(signed(upper)))"
    }
}
