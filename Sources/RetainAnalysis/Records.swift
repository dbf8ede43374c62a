import Foundation
import RetainCore

/// How an item's correctness was scored. Only a label: every variant is one Bool per item, so
/// the same functions apply to all of them.
public enum MetricVariant: String, Codable, Hashable, Sendable, CaseIterable {
    /// Multiple choice by raw log-likelihood of each choice (lm-eval's `acc`).
    case mc
    /// Multiple choice by length-normalised log-likelihood (lm-eval's `acc_norm`).
    case mcNorm
    /// Generative, answer extracted leniently before exact match.
    case gen
    /// Generative, strict exact match on the raw completion.
    case genStrict
}

/// One model's correctness on one benchmark item (one side of a pair).
public struct ItemOutcome: Codable, Hashable, Sendable {
    public var itemID: String
    public var family: String
    public var correct: Bool

    public init(itemID: String, family: String, correct: Bool) {
        self.itemID = itemID
        self.family = family
        self.correct = correct
    }
}

/// The instruct model's correctness (`before`) and a fine-tuned arm's (`after`) on the same item.
public struct PairedOutcome: Codable, Hashable, Sendable {
    public var itemID: String
    public var family: String
    public var before: Bool
    public var after: Bool

    public init(itemID: String, family: String, before: Bool, after: Bool) {
        self.itemID = itemID
        self.family = family
        self.before = before
        self.after = after
    }
}

/// Errors raised when records cannot be analysed as given. Messages name the offending item.
public enum AnalysisError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `id` was scored for the instruct model but not for the arm.
    case missingAfter(itemID: String)
    /// `id` was scored for the arm but not for the instruct model.
    case missingBefore(itemID: String)
    /// `id` appears more than once on one side ("before" or "after").
    case duplicateItem(itemID: String, side: String)
    /// The two sides disagree on which family `id` belongs to.
    case familyMismatch(itemID: String, before: String, after: String)
    /// No choice count is known for `id` (neither per item nor for its family).
    case missingChoiceCount(itemID: String, family: String)
    /// A choice count below 2 (chance adjustment needs k ≥ 2).
    case invalidChoiceCount(itemID: String, k: Int)
    /// Nothing to analyse.
    case empty(String)
    /// Comparisons being aggregated over seeds differ in arm, benchmark, variant or family.
    case mixedComparisons(String)
    /// Two comparisons being aggregated over seeds share a seed.
    case duplicateSeed(Int)
    /// A statistical setting out of range (resamples, level, alpha, power).
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .missingAfter(let id): return "item '\(id)' was scored before fine-tuning but is missing after"
        case .missingBefore(let id): return "item '\(id)' was scored after fine-tuning but is missing before"
        case .duplicateItem(let id, let side): return "item '\(id)' appears more than once in the \(side) results"
        case .familyMismatch(let id, let b, let a): return "item '\(id)' is in family '\(b)' before but '\(a)' after"
        case .missingChoiceCount(let id, let f): return "no choice count k for item '\(id)' (family '\(f)')"
        case .invalidChoiceCount(let id, let k): return "item '\(id)' has k = \(k) choices; chance adjustment needs k >= 2"
        case .empty(let what): return "nothing to analyse: \(what)"
        case .mixedComparisons(let what): return "cannot aggregate over seeds: \(what)"
        case .duplicateSeed(let s): return "cannot aggregate over seeds: seed \(s) appears twice"
        case .invalidParameter(let what): return "invalid parameter: \(what)"
        }
    }
}

/// The number of answer choices per item, for the chance adjustment of F and BT.
///
/// Binary families have k = 2, four-way multiple choice k = 4. Generative items have no natural
/// k; pass a large value (the adjustment then vanishes) or leave them out of the adjustment.
/// An integer literal means `.uniform`.
public enum ChoiceCount: Hashable, Sendable, ExpressibleByIntegerLiteral {
    /// Every item has `k` choices.
    case uniform(Int)
    /// k by family name; an unknown family is an error.
    case perFamily([String: Int])
    /// k by item id; an unknown item is an error.
    case perItem([String: Int])

    public init(integerLiteral value: Int) { self = .uniform(value) }

    /// The k of one item, validated (k ≥ 2).
    public func k(for outcome: PairedOutcome) throws -> Int {
        let found: Int?
        switch self {
        case .uniform(let k): found = k
        case .perFamily(let table): found = table[outcome.family]
        case .perItem(let table): found = table[outcome.itemID]
        }
        guard let k = found else { throw AnalysisError.missingChoiceCount(itemID: outcome.itemID, family: outcome.family) }
        guard k >= 2 else { throw AnalysisError.invalidChoiceCount(itemID: outcome.itemID, k: k) }
        return k
    }
}

/// Checks the statistical settings shared by the public entry points. The package builds with
/// `-Ounchecked`, where preconditions vanish, so inputs a user can type are validated by throwing.
func validate(resamples: Int? = nil, level: Double? = nil, alpha: Double? = nil, power: Double? = nil) throws {
    if let r = resamples, r < 2 { throw AnalysisError.invalidParameter("resamples must be at least 2, got \(r)") }
    if let l = level, !(l > 0 && l < 1) { throw AnalysisError.invalidParameter("level must be in (0, 1), got \(l)") }
    if let a = alpha, !(a > 0 && a < 1) { throw AnalysisError.invalidParameter("alpha must be in (0, 1), got \(a)") }
    if let p = power, !(p > 0.5 && p < 1) { throw AnalysisError.invalidParameter("power must be in (0.5, 1), got \(p)") }
}

/// Pairs two result lists by `itemID` and returns the pairs sorted by `itemID`, so that every
/// downstream computation (including the seeded bootstrap) is independent of input order.
///
/// Throws if either side has a duplicate id, if an id is on one side only (the error names the
/// first such id in sorted order), or if the two sides disagree on an item's family.
public func pairOutcomes(before: [ItemOutcome], after: [ItemOutcome]) throws -> [PairedOutcome] {
    func index(_ items: [ItemOutcome], side: String) throws -> [String: ItemOutcome] {
        var table: [String: ItemOutcome] = [:]
        table.reserveCapacity(items.count)
        for item in items {
            if table.updateValue(item, forKey: item.itemID) != nil {
                throw AnalysisError.duplicateItem(itemID: item.itemID, side: side)
            }
        }
        return table
    }
    let b = try index(before, side: "before")
    let a = try index(after, side: "after")
    if let id = b.keys.filter({ a[$0] == nil }).min() { throw AnalysisError.missingAfter(itemID: id) }
    if let id = a.keys.filter({ b[$0] == nil }).min() { throw AnalysisError.missingBefore(itemID: id) }
    return try b.keys.sorted().map { id in
        let x = b[id]!, y = a[id]!
        guard x.family == y.family else {
            throw AnalysisError.familyMismatch(itemID: id, before: x.family, after: y.family)
        }
        return PairedOutcome(itemID: id, family: x.family, before: x.correct, after: y.correct)
    }
}

/// Groups paired outcomes by family, families in ascending name order, items in input order.
public func groupByFamily(_ outcomes: [PairedOutcome]) -> [(family: String, outcomes: [PairedOutcome])] {
    Dictionary(grouping: outcomes, by: \.family)
        .sorted { $0.key < $1.key }
        .map { (family: $0.key, outcomes: $0.value) }
}
