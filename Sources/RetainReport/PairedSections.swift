import Foundation
import RetainAnalysis
import RetainCore

/// A renderer-neutral numbered list of sentences (plain text, escaped by the renderer).
struct ReportList {
    var id: String
    var title: String
    var notes: [String] = []
    var items: [String]
}

/// The paired key comparisons and the findings verdict built from them.
extension ReportTables {
    /// "-1.9 [-3.4, -0.4]" (points).
    static func interval(_ c: PairedComparison) -> String { Fmt.signed(c.delta) + " " + Fmt.ci(c.ci) }

    static func keyLegend(_ o: PairedOptions) -> String {
        let z = SpecialFunctions.normalQuantile((1 + o.level) / 2)
        let zSum = SpecialFunctions.normalQuantile(1 - o.alpha / 2) + SpecialFunctions.normalQuantile(o.power)
        return "Δ̄ = A − B in points (multiple choice): per training seed s, the per-item difference d = a − b over the role's "
            + "benchmarks, both arms at seed s (the instruct model's single run when one side is instruct), averaged as a mean of "
            + "per-benchmark means (Δ_s), then the mean over the S seeds. The \(Fmt.number(o.level * 100, 0))% interval "
            + "Δ̄ ± \(Fmt.number(z, 2))·SE and the minimum detectable effect MDE = (z_{1−α/2} + z_power)·SE = \(Fmt.number(zSum, 2))·SE "
            + "(α \(Fmt.number(o.alpha, 2)) two-sided, power \(Fmt.number(o.power * 100, 0))%) are computed from the world's own noise: "
            + "item sampling within seeds plus training-seed spread. SE² = mean v_s / S + σ̂² / S, where v_s is the item-sampling "
            + "variance of Δ_s (per benchmark (mean d² − Δ²) / (n − 1), combined as the variance of the mean over benchmarks) and "
            + "σ̂² = max(0, sample variance of Δ_s − mean v_s), 0 with one seed. MDE ≤ target: whether the design detects "
            + "\(Fmt.pts(o.generalTarget)) points on general and \(Fmt.pts(o.domainTarget)) points on domain. Discordant: share of "
            + "items where A and B differ, pooled over seeds and benchmarks."
    }

    /// Rows = key comparisons × role, in `KeyComparisons.plan` order, general before domain.
    func keyComparisons() -> ReportTable? {
        let rows = analysis.keyComparisons
        guard !rows.isEmpty else { return nil }
        let o = analysis.pairedOptions
        return ReportTable(id: "key-comparisons", title: "Key comparisons (paired, mc)", notes: [Self.keyLegend(o)],
                           headers: ["comparison", "A vs B", "role", "Δ̄ [95% CI]", "MDE", "MDE ≤ target", "discordant %", "seeds"],
                           rows: rows.map { c in
                               [c.question, c.a + " vs " + c.b, c.role.rawValue, Self.interval(c), c.mde.map { Fmt.pts($0) } ?? "n/a",
                                c.mde.map { $0 <= o.target(c.role) + 1e-12 ? "yes" : "no" } ?? "n/a", Fmt.pts(c.discordance), "\(c.seeds.count)"]
                           }, labels: [0, 1, 2], intervals: [3])
    }

    /// One sentence per finding with its numbers and verdict.
    func findings() -> ReportList? {
        guard !analysis.findings.isEmpty else { return nil }
        let margin = Fmt.pts(analysis.pairedOptions.generalTarget)
        return ReportList(id: "findings", title: "Do the paper's findings hold here?",
                          notes: ["Judged from the paired 95% intervals of the key comparisons (multiple choice, points). "
                                  + "\"Keeps\": holds when the whole interval lies above -\(margin) (the general MDE target), does not hold "
                                  + "when it lies entirely below 0 (a significant loss, however small), otherwise inconclusive. "
                                  + "\"Beats\" and \"improves\": hold when every interval lies above 0, do not hold when one lies "
                                  + "entirely below 0, otherwise inconclusive."],
                          items: analysis.findings.map(Self.sentence))
    }

    static func claim(_ c: Finding.Claim) -> String {
        switch c {
        case .keepsGeneral: return "The method keeps general ability"
        case .beatsPublicSets: return "It beats every public set"
        case .improvesDomain: return "It improves the domain"
        case .committeeLadder: return "The 3×3 committee beats 1×3 self-judged, which beats 1×1"
        }
    }

    /// Where an interval lies, in the words of the verdict rule.
    static func position(_ c: PairedComparison, verdict: Verdict, margin: Double?) -> String {
        if let margin {
            let bound = Fmt.signed(-margin)
            switch verdict {
            case .holds: return "lies above \(bound) throughout"
            case .doesNotHold: return "lies entirely below 0"
            case .inconclusive: return "spans both \(bound) and 0"
            }
        }
        if c.ci.upper < 0 { return "lies entirely below 0" }
        return c.ci.lower > 0 ? "lies above 0" : "includes 0"
    }

    static func sentence(_ f: Finding) -> String {
        let head = claim(f.claim)
        guard let verdict = f.verdict else {
            let lacks = f.missing.count > 1 ? f.missing.dropLast().joined(separator: ", ") + " and " + f.missing.last! : f.missing.joined()
            return head + ": skipped, the experiment lacks " + lacks + "."
        }
        let role = f.evidence.first?.role.rawValue ?? "general"
        if f.evidence.count == 1, let c = f.evidence.first {
            return "\(head) (\(c.a) vs \(c.b), \(role)): Δ̄ \(Fmt.signed(c.delta)) points, 95% interval \(Fmt.ci(c.ci)), "
                + "which \(position(c, verdict: verdict, margin: f.margin)) — \(verdict.rawValue)."
        }
        let parts = f.evidence.map { c in "\(c.a) vs \(c.b) \(Fmt.signed(c.delta)) points \(Fmt.ci(c.ci))" }
        var s = "\(head) (\(role)): " + parts.joined(separator: "; ")
        if let i = f.deciding, f.evidence.indices.contains(i) {
            let c = f.evidence[i]
            s += "; \(c.a) vs \(c.b) decides: its interval \(position(c, verdict: verdict, margin: nil))"
        }
        return s + " — \(verdict.rawValue)."
    }
}
