import Foundation
import RetainAnalysis
import RetainCore
import RetainYAML

// One evaluator per rule kind. Every number in a RuleResult is in points; see RuleResult for the
// meaning of measured, threshold and margin.

extension GateData {
    func result(_ budget: Budget, passed: Bool, measured: Double?, threshold: Double, margin: Double?,
                _ body: String, details: [String] = []) -> RuleResult {
        RuleResult(name: budget.name, rule: budget.rule.key, passed: passed, measured: measured, threshold: threshold,
                   margin: margin, message: "\(passed ? "PASS" : "FAIL") \(budget.name): \(body)", details: details)
    }

    func evaluate(_ rule: GeneralForgettingRule, _ budget: Budget) throws -> RuleResult {
        let g = try groupDelta(arm: rule.arm, field: "arm", selector: .kind(.general), variant: rule.variant,
                               level: 1 - rule.alpha, budget)
        let drop = -g.summary.mean
        let margin = rule.maxPoints - drop
        let exceeds = margin < -Gate.tiePoints
        let significant: Bool
        let evidence: String
        if let ci = g.summary.ci {
            significant = ci.upper < 0
            evidence = g.intervalText
        } else {
            // One seed: Holm-adjusted McNemar on the seed's general benchmarks that dropped.
            let dropped = (g.comparisons.first ?? []).filter { $0.delta < 0 }
            let best = dropped.map { (c: $0, p: $0.pHolm ?? $0.pMcNemar) }.min { $0.p < $1.p }
            significant = best.map { $0.p < rule.alpha } ?? false
            evidence = best.map { "(1 seed, Holm-adjusted McNemar p = \(String(format: "%.3g", $0.p)) on \($0.c.benchmark))" }
                ?? "(1 seed, no general benchmark dropped)"
        }
        let head = "\(rule.arm) general Δ \(Points.signed(g.summary.mean)) pts \(evidence)"
        let budgetText = "the \(Points.plain(rule.maxPoints))-pt budget"
        let body: String
        if !exceeds {
            body = "\(head) is within \(budgetText) by \(Points.plain(margin)) pts"
        } else if significant {
            body = "\(head) exceeds \(budgetText) by \(Points.plain(-margin)) pts"
        } else {
            let why = g.summary.ci != nil ? "the CI includes 0" : "no general benchmark has Holm-adjusted McNemar p < \(rule.alpha)"
            body = "\(head) exceeds \(budgetText) by \(Points.plain(-margin)) pts, but the drop is not significant at alpha \(rule.alpha) (\(why))"
        }
        return result(budget, passed: !(exceeds && significant), measured: drop, threshold: rule.maxPoints, margin: margin, body,
                      details: seedDetails(g))
    }

    func evaluate(_ rule: DomainGainRule, _ budget: Budget) throws -> RuleResult {
        let g = try groupDelta(arm: rule.arm, field: "arm", selector: rule.benchmark, variant: rule.variant, budget)
        let margin = g.summary.mean - rule.minPoints
        let passed = margin >= -Gate.tiePoints
        let head = "\(rule.arm) \(rule.benchmark) Δ \(Points.signed(g.summary.mean)) pts \(g.intervalText)"
        let body = passed
            ? "\(head) meets the \(Points.signed(rule.minPoints))-pt minimum gain by \(Points.plain(margin)) pts"
            : "\(head) falls short of the \(Points.signed(rule.minPoints))-pt minimum gain by \(Points.plain(-margin)) pts"
        return result(budget, passed: passed, measured: g.summary.mean, threshold: rule.minPoints, margin: margin, body,
                      details: seedDetails(g))
    }

    func evaluate(_ rule: NotWorseRule, _ budget: Budget) throws -> RuleResult {
        let a = try groupDelta(arm: rule.arm, field: "arm", selector: rule.benchmark, variant: rule.variant, budget)
        let t = try groupDelta(arm: rule.than, field: "than", selector: rule.benchmark, variant: rule.variant, allowReference: true, budget)
        let difference = a.summary.mean - t.summary.mean
        let margin = difference + rule.tolerancePoints
        let passed = margin >= -Gate.tiePoints
        let relation = difference < 0 ? "\(Points.plain(-difference)) pts worse" : "\(Points.plain(difference)) pts better"
        let tolerance = "the \(Points.plain(rule.tolerancePoints))-pt tolerance"
        let head = "\(rule.arm) \(rule.benchmark) Δ \(Points.signed(a.summary.mean)) pts vs \(rule.than) \(Points.signed(t.summary.mean)) pts: \(relation)"
        let body = passed
            ? "\(head), within \(tolerance) by \(Points.plain(margin)) pts"
            : "\(head), beyond \(tolerance) by \(Points.plain(-margin)) pts"
        return result(budget, passed: passed, measured: difference, threshold: -rule.tolerancePoints, margin: margin, body)
    }

    func evaluate(_ rule: FamilyForgettingRule, _ budget: Budget) throws -> RuleResult {
        let names = try benchmarks(rule.benchmark, budget)
        try requireArm(rule.arm, "arm", budget)
        let seeds = try bySeed(arm: rule.arm, benchmarks: names, variant: rule.variant, budget)
        struct Row { var benchmark: String; var family: String; var values: [Double]; var mean: Double }
        var rows: [Row] = []
        for (i, benchmark) in names.enumerated() {
            var perFamily: [String: [Double]] = [:]
            for s in seeds {
                for f in s.comparisons[i].families {
                    let value: Double
                    switch rule.metric {
                    case .F: value = f.F
                    case .Fadj: value = f.Fadj
                    case .drop: value = -f.delta
                    }
                    perFamily[f.family ?? "?", default: []].append(value * 100)
                }
            }
            for (family, values) in perFamily {
                rows.append(Row(benchmark: benchmark, family: family, values: values, mean: values.reduce(0, +) / Double(values.count)))
            }
        }
        guard !rows.isEmpty else {
            throw GateError.missingData(location: budget.location.description, budget: budget.name,
                                        message: "arm \(quotedName(rule.arm)) has no per-family results on \(names.map(quotedName).joined(separator: ", "))")
        }
        rows.sort { ($1.mean, $0.benchmark, $0.family) < ($0.mean, $1.benchmark, $1.family) }   // worst first, then by name
        let worst = rows[0]
        let margin = rule.maxPoints - worst.mean
        let over = rows.filter { rule.maxPoints - $0.mean < -Gate.tiePoints }
        let passed = over.isEmpty
        let label = "\(rule.arm) family \(worst.family) on \(worst.benchmark) \(rule.metric.rawValue) \(Points.plain(worst.mean)) pts"
        let budgetText = "the \(Points.plain(rule.maxPoints))-pt budget"
        let body = passed
            ? "worst: \(label) is within \(budgetText) by \(Points.plain(margin)) pts (\(rows.count) families)"
            : "\(label) exceeds \(budgetText) by \(Points.plain(-margin)) pts (\(over.count) of \(rows.count) families over)"
        let details = over.map {
            "\($0.family) on \($0.benchmark): \(rule.metric.rawValue) \(Points.plain($0.mean)) pts, over by \(Points.plain($0.mean - rule.maxPoints)) pts "
                + "(seeds: \($0.values.map { Points.plain($0) }.joined(separator: ", ")))"
        }
        return result(budget, passed: passed, measured: worst.mean, threshold: rule.maxPoints, margin: margin, body, details: details)
    }

    func evaluate(_ rule: PinnedRule, _ budget: Budget, pinned: PinnedResults) throws -> RuleResult {
        guard !pinned.entries.isEmpty else { throw GateError.pinnedFile(file: rule.file, message: "has no entries to check") }
        var missing: [String] = []
        var off: [(label: String, deviation: Double, text: String)] = []
        var worst: (label: String, deviation: Double)?
        for e in pinned.entries {
            let label = "\(e.arm)/\(e.benchmark)/\(e.variant.rawValue)"
            guard let now = accuracy(arm: e.arm, benchmark: e.benchmark, variant: e.variant) else {
                let why = knownArms.contains(e.arm) ? "no \(e.variant.rawValue) results on \(quotedName(e.benchmark))" : "arm not in the analysis"
                missing.append("missing \(label) (pinned \(Points.plain(e.meanAccuracy * 100))%): \(why)")
                continue
            }
            let difference = (now - e.meanAccuracy) * 100
            let deviation = abs(difference)
            if deviation > (worst?.deviation ?? -1) { worst = (label, deviation) }
            if deviation - rule.tolerancePoints > Gate.tiePoints {
                off.append((label, deviation, "\(label): \(Points.plain(now * 100))% vs pinned \(Points.plain(e.meanAccuracy * 100))% "
                    + "(\(Points.signed(difference)) pts), beyond the tolerance by \(Points.plain(deviation - rule.tolerancePoints)) pts"))
            }
        }
        let margin = worst.map { rule.tolerancePoints - $0.deviation }
        let passed = missing.isEmpty && off.isEmpty
        let tolerance = "the \(Points.plain(rule.tolerancePoints))-pt tolerance"
        let n = pinned.entries.count
        var body: String
        if let first = off.max(by: { $0.deviation < $1.deviation }) {
            body = "\(first.label) is \(Points.plain(first.deviation)) pts from its pinned accuracy, beyond \(tolerance) by "
                + "\(Points.plain(first.deviation - rule.tolerancePoints)) pts (\(off.count) of \(n) entries off"
                + (missing.isEmpty ? ")" : ", \(missing.count) missing)")
        } else if !missing.isEmpty {
            body = "\(missing.count) of \(n) pinned entries missing from the analysis"
            if let worst { body += "; the rest are within \(tolerance) (largest deviation \(Points.plain(worst.deviation)) pts)" }
        } else {
            let w = worst!
            body = "all \(n) pinned entries within \(tolerance) (largest deviation \(Points.plain(w.deviation)) pts on \(w.label), margin \(Points.plain(margin!)) pts)"
        }
        var details = off.sorted { $0.deviation > $1.deviation }.map(\.text) + missing
        if pinned.experiment != analysis.experiment || pinned.preset != analysis.preset {
            details.append("note: pinned from experiment \(pinned.experiment) (preset \(pinned.preset ?? "none")), "
                + "checked against \(analysis.experiment) (preset \(analysis.preset ?? "none"))")
        }
        return result(budget, passed: passed, measured: worst?.deviation, threshold: rule.tolerancePoints, margin: margin, body,
                      details: details)
    }

    /// Mean accuracy over seeds (fraction): the instruct score for the reference arm, else the
    /// arm's whole-benchmark after-accuracy; nil when the analysis has none.
    func accuracy(arm: String, benchmark: String, variant: MetricVariant) -> Double? {
        let found = analysis.comparisons(arm: arm, benchmark: benchmark, variant: variant)
        if !found.isEmpty { return found.map(\.accAfter).reduce(0, +) / Double(found.count) }
        if arm == Gate.referenceArm {
            return analysis.instruct.first { $0.benchmark == benchmark && $0.variant == variant }?.accuracy
        }
        return nil
    }

    /// "seeds: 1: −4.00, 2: −5.00" for a multi-seed group.
    func seedDetails(_ g: GroupDelta) -> [String] {
        guard g.seeds.count > 1 else { return [] }
        return ["per seed Δ (pts) over \(g.benchmarks.joined(separator: ", ")): "
            + zip(g.seeds, g.values).map { "\($0) \(Points.signed($1))" }.joined(separator: ", ")]
    }
}
