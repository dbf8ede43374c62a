import Foundation
import RetainAnalysis
import RetainCore

/// A parsed budget file: the forgetting budgets one fine-tune must keep. See the README (Forgetting budgets) for
/// the YAML schema. All thresholds are in percentage points (accuracy × 100); Δ is after − before,
/// so forgetting is a negative Δ.
public struct BudgetFile: Hashable, Sendable {
    /// `experiment:` — which experiment in the store the budget is about; nil lets the CLI pick
    /// (the only or the most recent one). When set, `Gate.evaluate` checks that the analysis is
    /// of this experiment.
    public var experiment: String?
    /// `variant:` — the metric variant rules use unless they name their own (default `.mc`).
    public var variant: MetricVariant
    /// `budgets:` — the rules, in file order (at least one; names unique).
    public var budgets: [Budget]
    /// The file name the budget was parsed under (for messages).
    public var file: String

    public init(experiment: String? = nil, variant: MetricVariant = .mc, budgets: [Budget], file: String = "<budget>") {
        self.experiment = experiment; self.variant = variant; self.budgets = budgets; self.file = file
    }
}

/// One named budget: a rule and where it was written.
public struct Budget: Hashable, Sendable {
    /// `name:` — shown in every message about the rule; unique within the file.
    public var name: String
    public var rule: BudgetRule
    /// Where the budget's list item starts (`file:line:column`), for data errors at evaluation.
    public var location: SourceLocation
    /// The field path of the list item (`budgets[2]`).
    public var path: String

    public init(name: String, rule: BudgetRule, location: SourceLocation = SourceLocation(file: "<budget>", line: 1, column: 1),
                path: String = "budgets[0]") {
        self.name = name; self.rule = rule; self.location = location; self.path = path
    }
}

/// A 1-based position in a budget file.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// What a budget checks. Each case is one YAML key of a budget item.
public enum BudgetRule: Hashable, Sendable {
    /// `general_forgetting:` — the general average may not drop by more than `maxPoints`
    /// significantly.
    case generalForgetting(GeneralForgettingRule)
    /// `domain_gain:` — the domain Δ must be at least `minPoints`.
    case domainGain(DomainGainRule)
    /// `not_worse:` — the arm's Δ may not fall more than a tolerance below another arm's.
    case notWorse(NotWorseRule)
    /// `family_forgetting:` — no task family may forget more than `maxPoints`.
    case familyForgetting(FamilyForgettingRule)
    /// `pinned:` — per-item outcomes (or, for format-1 files, mean accuracies) stay close to a
    /// pinned results file.
    case pinned(PinnedRule)
    /// `detects_forgetting:` — a positive control: the arm must forget at least `minPoints`, significantly.
    case detectsForgetting(DetectsForgettingRule)

    /// The YAML keys of the rules, in schema order.
    public static let keys = ["general_forgetting", "domain_gain", "not_worse", "family_forgetting", "pinned", "detects_forgetting"]

    /// The rule's YAML key.
    public var key: String {
        switch self {
        case .generalForgetting: return "general_forgetting"
        case .domainGain: return "domain_gain"
        case .notWorse: return "not_worse"
        case .familyForgetting: return "family_forgetting"
        case .pinned: return "pinned"
        case .detectsForgetting: return "detects_forgetting"
        }
    }
}

/// Which benchmarks a rule averages over. In YAML: `general` or `domain` select every benchmark
/// of that kind (averaged per seed, equally weighted); any other text names one benchmark.
/// The kind keywords win over a benchmark that happens to be named `general` or `domain` — in
/// the built-in world those benchmarks are the only ones of their kind, so both readings agree.
public enum BenchmarkSelector: Hashable, Sendable, CustomStringConvertible {
    case kind(BenchmarkKind)
    case named(String)

    /// Reads the YAML spelling.
    public init(_ text: String) {
        if let kind = BenchmarkKind(rawValue: text) { self = .kind(kind) } else { self = .named(text) }
    }

    /// The YAML spelling.
    public var description: String {
        switch self {
        case .kind(let kind): return kind.rawValue
        case .named(let name): return name
        }
    }
}

/// `general_forgetting: {arm, max_points, alpha?, variant?}`.
///
/// Per seed, G = mean over the general benchmarks of Δ (after − before, points); then over seeds
/// the mean Ḡ and a Student-t interval at level 1 − alpha (`SampleSummary`). The rule FAILS only
/// when both hold:
/// 1. the drop −Ḡ exceeds `maxPoints`, and
/// 2. the drop is significant: with ≥ 2 seeds, the interval's upper bound is < 0; with 1 seed,
///    some general benchmark has Δ < 0 with Holm-adjusted McNemar p < alpha (Holm across the
///    seed's benchmarks, `ArmComparison.pHolm`; the raw p when no adjustment was stored).
public struct GeneralForgettingRule: Hashable, Sendable {
    public var arm: String
    /// Largest allowed mean drop, points (0...100).
    public var maxPoints: Double
    /// Significance level, in (0, 0.5]; default 0.05 (a 95% interval).
    public var alpha: Double
    public var variant: MetricVariant
    public init(arm: String, maxPoints: Double, alpha: Double = 0.05, variant: MetricVariant = .mc) {
        self.arm = arm; self.maxPoints = maxPoints; self.alpha = alpha; self.variant = variant
    }
}

/// `detects_forgetting: {arm, min_points, alpha?, variant?}` — a positive control, so a gate also
/// fails when the experiment stops being able to see forgetting (a world, benchmark or training
/// change that makes every arm look harmless). Passes only when both hold, measured as in
/// `general_forgetting`:
/// 1. the general drop −Ḡ is at least `minPoints`, and
/// 2. it is significant (with ≥ 2 seeds the interval's upper bound is < 0; with 1 seed, a
///    Holm-adjusted McNemar p < alpha on a general benchmark that dropped).
public struct DetectsForgettingRule: Hashable, Sendable {
    public var arm: String
    /// Smallest drop that must be seen, points (0...100).
    public var minPoints: Double
    /// Significance level, in (0, 0.5]; default 0.05.
    public var alpha: Double
    public var variant: MetricVariant
    public init(arm: String, minPoints: Double, alpha: Double = 0.05, variant: MetricVariant = .mc) {
        self.arm = arm; self.minPoints = minPoints; self.alpha = alpha; self.variant = variant
    }
}

/// `domain_gain: {arm, min_points, benchmark?, variant?}` — passes when the mean over seeds of the
/// per-seed Δ averaged over `benchmark` (default `domain`) is ≥ `minPoints` (point estimate; the
/// interval is shown, not tested).
public struct DomainGainRule: Hashable, Sendable {
    public var arm: String
    /// Smallest required mean gain, points (−100...100).
    public var minPoints: Double
    public var benchmark: BenchmarkSelector
    public var variant: MetricVariant
    public init(arm: String, minPoints: Double, benchmark: BenchmarkSelector = .kind(.domain), variant: MetricVariant = .mc) {
        self.arm = arm; self.minPoints = minPoints; self.benchmark = benchmark; self.variant = variant
    }
}

/// `not_worse: {arm, than, benchmark?, tolerance_points?, variant?}` — passes when
/// mean Δ(arm) ≥ mean Δ(than) − `tolerancePoints`, both averaged over `benchmark` (default
/// `general`) per seed and then over seeds. `than: instruct` (the reference) has Δ = 0. Since both
/// arms are measured against the same instruct model, this compares their after-accuracies.
public struct NotWorseRule: Hashable, Sendable {
    public var arm: String
    public var than: String
    public var benchmark: BenchmarkSelector
    /// Allowed shortfall, points (0...100, default 0).
    public var tolerancePoints: Double
    public var variant: MetricVariant
    public init(arm: String, than: String, benchmark: BenchmarkSelector = .kind(.general), tolerancePoints: Double = 0,
                variant: MetricVariant = .mc) {
        self.arm = arm; self.than = than; self.benchmark = benchmark; self.tolerancePoints = tolerancePoints; self.variant = variant
    }
}

/// The per-family forgetting measure of a `family_forgetting` rule.
public enum FamilyMetric: String, Hashable, Sendable, CaseIterable {
    /// Forgetting rate n10 / n (share of items the arm got wrong that the instruct model got right).
    case F
    /// F minus the chance-level spurious rate, floored at 0.
    case Fadj
    /// −Δ (net accuracy drop; negative when the family improved).
    case drop
}

/// `family_forgetting: {arm, max_points, metric?, benchmark?, variant?}` — for every family of the
/// selected benchmarks (default `general`), the mean over seeds of `metric` (default F) must be
/// ≤ `maxPoints`. Point estimates; the worst family decides the margin.
public struct FamilyForgettingRule: Hashable, Sendable {
    public var arm: String
    /// Largest allowed per-family value, points (0...100).
    public var maxPoints: Double
    public var metric: FamilyMetric
    public var benchmark: BenchmarkSelector
    public var variant: MetricVariant
    public init(arm: String, maxPoints: Double, metric: FamilyMetric = .F, benchmark: BenchmarkSelector = .kind(.general),
                variant: MetricVariant = .mc) {
        self.arm = arm; self.maxPoints = maxPoints; self.metric = metric; self.benchmark = benchmark; self.variant = variant
    }
}

/// `pinned: {file, max_points, alpha?}` or `pinned: {file, exact: true}` — the experiment stays
/// where a pinned results file (`PinnedResults`, written by `retain gate --pin`) says it was.
/// `tolerance_points` is accepted as another spelling of `max_points` (the key of format-1 budgets).
///
/// Format-2 files (per-item outcomes): every pinned record — an (arm, seed, benchmark, variant),
/// or the instruct model's (benchmark, variant) — is paired item by item with the same record of
/// the experiment: n10 items right when pinned and wrong now, n01 the reverse, n items in both,
/// Δ = (n01 − n10) / n in points (now − pinned), and the exact two-sided McNemar p on (n10, n01),
/// Holm-adjusted across the rule's compared records (so a clean re-run of ~100 records raises a
/// false alarm with probability ≤ alpha in all, not per record).
/// - `.statistical(alpha, maxPoints)`: a record FAILS when its Holm p < alpha (a significant
///   change) or |Δ| > maxPoints (a change too large to accept even if it could be chance).
/// - `.exact`: a record FAILS when any item differs (for bit-identical reruns).
/// A pinned record the experiment lacks, or pinned items missing from a record, fail; items and
/// records the pin lacks are noted and not checked.
///
/// Format-1 files (mean accuracies only) are checked as before: every entry within `maxPoints`
/// of the analysis's mean over seeds (for `instruct`: its score); entries the analysis lacks
/// fail; `.exact` cannot be checked against them (a data error). The file-level `variant` does
/// not apply: the file says which variants it pins.
public struct PinnedRule: Hashable, Sendable {
    /// How a pinned record may differ from now.
    public enum Check: Hashable, Sendable {
        /// Fail a record on a significant change (Holm-adjusted McNemar p < `alpha`, in (0, 0.5])
        /// or |Δ| > `maxPoints` (0...100 points). Format-1 files: each mean within `maxPoints`.
        case statistical(alpha: Double, maxPoints: Double)
        /// Fail a record when any item differs (format 2 only).
        case exact
    }

    /// The pinned file's path as written; the loader passed to `Gate.evaluate` resolves it.
    public var file: String
    public var check: Check

    public init(file: String, check: Check) { self.file = file; self.check = check }

    /// `.statistical(alpha:maxPoints:)`.
    public init(file: String, maxPoints: Double, alpha: Double = 0.05) {
        self.init(file: file, check: .statistical(alpha: alpha, maxPoints: maxPoints))
    }

    /// A format-1 budget's `{file, tolerance_points}`: `maxPoints` = `tolerancePoints`, alpha 0.05.
    public init(file: String, tolerancePoints: Double) { self.init(file: file, maxPoints: tolerancePoints) }

    /// Largest allowed |Δ| (format 2) or |now − pinned| mean (format 1), points; nil for `.exact`.
    public var maxPoints: Double? {
        if case .statistical(_, let maxPoints) = check { return maxPoints }
        return nil
    }
}
