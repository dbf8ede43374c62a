import Foundation
import RetainCore

/// Whether a finding of the paper holds in this experiment, judged from paired intervals.
public enum Verdict: String, Codable, Hashable, Sendable {
    case holds
    case doesNotHold = "does not hold"
    case inconclusive
}

/// One of the paper's findings (arXiv 2506.09428) checked against this experiment's
/// `PairedComparison`s (mc, 95% intervals).
public struct Finding: Codable, Hashable, Sendable {
    public enum Claim: String, Codable, Hashable, Sendable, CaseIterable {
        /// 1. The method keeps general ability (method vs instruct, general).
        case keepsGeneral
        /// 2. It beats every public set (method vs each public-mix arm, general).
        case beatsPublicSets
        /// 3. It improves the domain (method vs instruct, domain).
        case improvesDomain
        /// 4. 3×3 committee > 1×3 self-judged > 1×1 (general).
        case committeeLadder
    }

    public var claim: Claim
    /// nil when the finding was skipped (see `missing`).
    public var verdict: Verdict?
    /// The comparisons judged, in the claim's order.
    public var evidence: [PairedComparison]
    /// Index in `evidence` of the comparison that decides the verdict (with several).
    public var deciding: Int?
    /// For `keepsGeneral`: the loss tolerated (the general MDE target, a fraction).
    public var margin: Double?
    /// What the experiment lacks for this finding (arms, or a comparison without results).
    public var missing: [String]

    public init(claim: Claim, verdict: Verdict?, evidence: [PairedComparison], deciding: Int? = nil, margin: Double? = nil,
                missing: [String] = []) {
        self.claim = claim; self.verdict = verdict; self.evidence = evidence; self.deciding = deciding
        self.margin = margin; self.missing = missing
    }
}

/// The verdict rules, pure functions of the intervals.
public enum FindingRules {
    /// "Keeps" (non-inferiority within `margin`): does not hold when the whole interval lies below
    /// 0 (a significant loss, however small); holds when the whole interval lies above −margin;
    /// otherwise inconclusive.
    public static func keeps(_ ci: ConfidenceInterval, margin: Double) -> Verdict {
        if ci.upper < 0 { return .doesNotHold }
        if ci.lower > -margin { return .holds }
        return .inconclusive
    }

    /// "Beats" for one or more comparisons: does not hold when some interval lies entirely below
    /// 0; holds when every interval lies above 0; otherwise inconclusive. The deciding comparison
    /// is the lowest interval: by upper bound when one lies below 0, else by lower bound (the
    /// closest call when it holds, the one reaching furthest below 0 when inconclusive); ties go
    /// to the earlier one.
    public static func beats(_ intervals: [ConfidenceInterval]) -> (verdict: Verdict, deciding: Int)? {
        guard !intervals.isEmpty else { return nil }
        func lowest(_ key: (ConfidenceInterval) -> Double) -> Int {
            intervals.indices.min { key(intervals[$0]) < key(intervals[$1]) }!
        }
        if intervals.contains(where: { $0.upper < 0 }) { return (.doesNotHold, lowest(\.upper)) }
        if intervals.allSatisfy({ $0.lower > 0 }) { return (.holds, lowest(\.lower)) }
        return (.inconclusive, lowest(\.lower))
    }

    /// The four findings from `comparisons` (see `KeyComparisons`); a finding whose arms or
    /// comparisons are missing has no verdict and says what is missing.
    public static func evaluate(_ comparisons: [PairedComparison], arms: [String], options: PairedOptions = PairedOptions()) -> [Finding] {
        let m = KeyComparisons.method, ref = KeyComparisons.reference
        func find(_ a: String, _ b: String, _ role: BenchmarkKind) -> PairedComparison? {
            comparisons.first { $0.a == a && $0.b == b && $0.role == role }
        }
        /// The comparisons, or what is missing for them.
        func gather(_ pairs: [(String, String)], _ role: BenchmarkKind) -> Result<[PairedComparison], Missing> {
            let absent = Array(Set(pairs.flatMap { [$0.0, $0.1] }).filter { !arms.contains($0) }).sorted()
            if !absent.isEmpty { return .failure(Missing(items: absent.map { "arm \($0)" })) }
            var found: [PairedComparison] = [], lacking: [String] = []
            for (a, b) in pairs {
                if let c = find(a, b, role) { found.append(c) } else { lacking.append("results for \(a) vs \(b) on \(role.rawValue)") }
            }
            return lacking.isEmpty ? .success(found) : .failure(Missing(items: lacking))
        }
        func finding(_ claim: Finding.Claim, _ pairs: [(String, String)], _ role: BenchmarkKind, margin: Double? = nil) -> Finding {
            switch gather(pairs, role) {
            case .failure(let missing): return Finding(claim: claim, verdict: nil, evidence: [], margin: margin, missing: missing.items)
            case .success(let evidence):
                if let margin { return Finding(claim: claim, verdict: keeps(evidence[0].ci, margin: margin), evidence: evidence, margin: margin) }
                let (verdict, deciding) = beats(evidence.map(\.ci))!
                return Finding(claim: claim, verdict: verdict, evidence: evidence, deciding: evidence.count > 1 ? deciding : nil)
            }
        }
        let publics = arms.filter { $0.hasPrefix(KeyComparisons.publicPrefix) }
        return [
            finding(.keepsGeneral, [(m, ref)], .general, margin: options.generalTarget),
            publics.isEmpty ? Finding(claim: .beatsPublicSets, verdict: nil, evidence: [], missing: ["arm \(KeyComparisons.publicPrefix)*"])
                : finding(.beatsPublicSets, publics.map { (m, $0) }, .general),
            finding(.improvesDomain, [(m, ref)], .domain),
            finding(.committeeLadder, [(m, KeyComparisons.selfJudged), (KeyComparisons.selfJudged, KeyComparisons.oneResponse)], .general),
        ]
    }

    struct Missing: Error { var items: [String] }
}
