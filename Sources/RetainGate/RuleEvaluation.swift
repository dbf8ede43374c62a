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

    /// Whether the general drop of `g` is significant at `alpha`: with ≥ 2 seeds the interval's
    /// upper bound is < 0; with 1 seed, a Holm-adjusted McNemar p < alpha on a general benchmark
    /// that dropped. Returns the evidence text with it.
    func significantDrop(_ g: GroupDelta, alpha: Double) -> (significant: Bool, evidence: String) {
        if let ci = g.summary.ci { return (ci.upper < 0, g.intervalText) }
        let dropped = (g.comparisons.first ?? []).filter { $0.delta < 0 }
        let best = dropped.map { (c: $0, p: $0.pHolm ?? $0.pMcNemar) }.min { $0.p < $1.p }
        return (best.map { $0.p < alpha } ?? false,
                best.map { "(1 seed, Holm-adjusted McNemar p = \(String(format: "%.3g", $0.p)) on \($0.c.benchmark))" }
                    ?? "(1 seed, no general benchmark dropped)")
    }

    func evaluate(_ rule: DetectsForgettingRule, _ budget: Budget) throws -> RuleResult {
        let g = try groupDelta(arm: rule.arm, field: "arm", selector: .kind(.general), variant: rule.variant,
                               level: 1 - rule.alpha, budget)
        let drop = -g.summary.mean
        let margin = drop - rule.minPoints
        let (significant, evidence) = significantDrop(g, alpha: rule.alpha)
        let head = "\(rule.arm) general Δ \(Points.signed(g.summary.mean)) pts \(evidence)"
        let passed = margin >= -Gate.tiePoints && significant
        let body: String
        if passed {
            body = "\(head): a significant drop, \(Points.plain(margin)) pts beyond the \(Points.plain(rule.minPoints))-pt minimum"
        } else if margin < -Gate.tiePoints {
            body = "\(head): the drop falls \(Points.plain(-margin)) pts short of the \(Points.plain(rule.minPoints))-pt minimum the experiment must detect"
        } else {
            body = "\(head): the drop is not significant at alpha \(rule.alpha), so the experiment no longer detects this arm's forgetting"
        }
        return result(budget, passed: passed, measured: drop, threshold: rule.minPoints, margin: margin, body, details: seedDetails(g))
    }

    func evaluate(_ rule: GeneralForgettingRule, _ budget: Budget) throws -> RuleResult {
        let g = try groupDelta(arm: rule.arm, field: "arm", selector: .kind(.general), variant: rule.variant,
                               level: 1 - rule.alpha, budget)
        let drop = -g.summary.mean
        let margin = rule.maxPoints - drop
        let exceeds = margin < -Gate.tiePoints
        let (significant, evidence) = significantDrop(g, alpha: rule.alpha)
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
        if pinned.format >= 2 { return try evaluatePerItem(rule, budget, pinned: pinned) }
        guard let tolerancePoints = rule.maxPoints else {
            throw GateError.missingData(location: budget.location.description, budget: budget.name,
                                        message: "\(budget.path).pinned.exact: exact: true compares per-item outcomes, but \(rule.file) is "
                                            + "format 1 (mean accuracies only); re-pin it with retain gate --pin, or give max_points")
        }
        // Format 1: mean accuracies, each within the tolerance (unchanged from format-1 days).
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
            if deviation - tolerancePoints > Gate.tiePoints {
                off.append((label, deviation, "\(label): \(Points.plain(now * 100))% vs pinned \(Points.plain(e.meanAccuracy * 100))% "
                    + "(\(Points.signed(difference)) pts), beyond the tolerance by \(Points.plain(deviation - tolerancePoints)) pts"))
            }
        }
        let margin = worst.map { tolerancePoints - $0.deviation }
        let passed = missing.isEmpty && off.isEmpty
        let tolerance = "the \(Points.plain(tolerancePoints))-pt tolerance"
        let n = pinned.entries.count
        var body: String
        if let first = off.max(by: { $0.deviation < $1.deviation }) {
            body = "\(first.label) is \(Points.plain(first.deviation)) pts from its pinned accuracy, beyond \(tolerance) by "
                + "\(Points.plain(first.deviation - tolerancePoints)) pts (\(off.count) of \(n) entries off"
                + (missing.isEmpty ? ")" : ", \(missing.count) missing)")
        } else if !missing.isEmpty {
            body = "\(missing.count) of \(n) pinned entries missing from the analysis"
            if let worst { body += "; the rest are within \(tolerance) (largest deviation \(Points.plain(worst.deviation)) pts)" }
        } else {
            let w = worst!
            body = "all \(n) pinned entries within \(tolerance) (largest deviation \(Points.plain(w.deviation)) pts on \(w.label), margin \(Points.plain(margin!)) pts)"
        }
        let details = off.sorted { $0.deviation > $1.deviation }.map(\.text) + missing + experimentNote(pinned)
        return result(budget, passed: passed, measured: worst?.deviation, threshold: tolerancePoints, margin: margin, body,
                      details: details)
    }

    /// Format 2: each pinned record against the same record now, item by item (see `PinnedRule`).
    func evaluatePerItem(_ rule: PinnedRule, _ budget: Budget, pinned: PinnedResults) throws -> RuleResult {
        guard !pinned.records.isEmpty else { throw GateError.pinnedFile(file: rule.file, message: "has no records to check") }
        guard let items else {
            throw GateError.missingData(location: budget.location.description, budget: budget.name,
                                        message: "\(rule.file) pins per-item outcomes (format 2), but the gate was given none of the experiment's")
        }
        typealias Key = PinnedResults.Record.Key
        var now: [Key: [String: Bool]] = [:], nowOrder: [Key] = []
        for r in items {
            let key = Key(arm: r.arm, seed: r.seed, benchmark: r.benchmark, variant: r.variant)
            if now[key] == nil { nowOrder.append(key) }
            var table: [String: Bool] = [:]
            for o in r.outcomes { table[o.itemID] = o.correct }
            now[key] = table
        }

        /// One pinned record paired with now on the items both have.
        struct Paired {
            var record: PinnedResults.Record
            var n = 0, n10 = 0, n01 = 0
            var missingItems: [String] = []
            var newItems: [String] = []
            var firstFlip: (id: String, wasRight: Bool)?
            var p = 1.0, pHolm = 1.0
            /// now − pinned on the common items, points.
            var delta: Double { n == 0 ? 0 : Double(n01 - n10) / Double(n) * 100 }
            /// Share of the common items that changed, points.
            var changed: Double { n == 0 ? 0 : Double(n10 + n01) / Double(n) * 100 }
            var identical: Bool { n10 == 0 && n01 == 0 && missingItems.isEmpty }
        }
        let arms = Set(knownArms + items.map(\.arm))
        let seeds = Set(items.compactMap(\.seed) + analysis.seeds.map { Int(truncatingIfNeeded: $0) })
        var missingRecords: [String] = []
        var paired: [Paired] = []
        for r in pinned.records {
            guard let table = now[r.key] else {
                let why: String
                if !arms.contains(r.arm) {
                    why = "arm not in the analysis"
                } else if let seed = r.seed, !seeds.contains(seed) {
                    why = "seed \(seed) not in the analysis (seeds \(seeds.sorted().map(String.init).joined(separator: ", ")))"
                } else {
                    why = "no \(r.variant.rawValue) results on \(quotedName(r.benchmark))" + (r.seed.map { " at seed \($0)" } ?? "")
                }
                missingRecords.append("missing \(r.label) (\(r.items.count) pinned item\(r.items.count == 1 ? "" : "s")): \(why)")
                continue
            }
            var c = Paired(record: r)
            for (id, wasRight) in zip(r.items, r.correct) {
                guard let isRight = table[id] else { c.missingItems.append(id); continue }
                c.n += 1
                guard wasRight != isRight else { continue }
                if wasRight { c.n10 += 1 } else { c.n01 += 1 }
                if c.firstFlip == nil { c.firstFlip = (id, wasRight) }
            }
            let pinnedIDs = Set(r.items)
            c.newItems = table.keys.filter { !pinnedIDs.contains($0) }.sorted()
            c.p = McNemar.exactPValue(b: c.n10, c: c.n01)
            paired.append(c)
        }
        // Holm across the records compared on at least one item: the family-wise false-alarm rate
        // of the whole rule stays at alpha however many records it pins.
        let tested = paired.indices.filter { paired[$0].n > 0 }
        for (i, adjusted) in zip(tested, Holm.adjust(tested.map { paired[$0].p })) { paired[i].pHolm = adjusted }

        func pText(_ p: Double) -> String { String(format: "%.3g", p) }
        func stats(_ c: Paired) -> String {
            "Δ \(Points.signed(c.delta)) pts (n10 \(c.n10), n01 \(c.n01) of \(c.n) items), McNemar p \(pText(c.p)), Holm p \(pText(c.pHolm))"
        }
        var changed: [(c: Paired, text: String)] = []
        var incomplete: [String] = []
        for c in paired {
            if !c.missingItems.isEmpty {
                incomplete.append("\(c.record.label): \(c.missingItems.count) of \(c.record.items.count) pinned items missing now "
                    + "(e.g. \(quotedName(c.missingItems[0])))")
            }
            let criterion: String?
            switch rule.check {
            case .exact:
                criterion = c.firstFlip.map { flip in
                    "differs (exact: true requires every item to match; e.g. \(quotedName(flip.id)) was "
                        + (flip.wasRight ? "right, now wrong)" : "wrong, now right)")
                }
            case .statistical(let alpha, let maxPoints):
                let significant = c.n > 0 && c.pHolm < alpha
                let over = abs(c.delta) - maxPoints > Gate.tiePoints
                let overText = "|Δ| over the \(Points.plain(maxPoints))-pt max by \(Points.plain(abs(c.delta) - maxPoints)) pts"
                switch (significant, over) {
                case (true, true): criterion = "significant change (Holm p < \(alpha)) and \(overText)"
                case (true, false): criterion = "significant change (Holm p < \(alpha)); |Δ| within the \(Points.plain(maxPoints))-pt max"
                case (false, true): criterion = "\(overText) (not significant: Holm p ≥ \(alpha))"
                case (false, false): criterion = nil
                }
            }
            if let criterion { changed.append((c, "\(c.record.label): \(stats(c)): \(criterion)")) }
        }
        // Worst first: the most significant, then the largest |Δ|.
        changed.sort { ($0.c.pHolm, -abs($0.c.delta), $0.c.record.label) < ($1.c.pHolm, -abs($1.c.delta), $1.c.record.label) }

        let compared = paired.filter { $0.n > 0 }
        let largest = compared.max { (abs($0.delta), $1.record.label) < (abs($1.delta), $0.record.label) }
        let smallest = compared.min { ($0.p, $0.record.label) < ($1.p, $1.record.label) }
        let identical = paired.filter(\.identical).count
        let n = pinned.records.count
        var summary = "\(paired.count) of \(n) records checked, \(identical) identical item by item"
        if let largest, let smallest {
            // Name the records only when some item changed (with none, every record ties at Δ 0, p 1).
            let anyChange = compared.contains { $0.n10 + $0.n01 > 0 }
            summary += "; largest |Δ| \(Points.plain(abs(largest.delta))) pts" + (anyChange ? " on \(largest.record.label)" : "")
                + "; smallest p \(pText(smallest.p)) (Holm \(pText(smallest.pHolm)))" + (anyChange ? " on \(smallest.record.label)" : "")
        }
        let criteria: String
        switch rule.check {
        case .exact: criteria = "exact: every item must match"
        case .statistical(let alpha, let maxPoints):
            criteria = "alpha \(alpha), Holm across \(compared.count) records; max \(Points.plain(maxPoints)) pts"
        }

        let passed = changed.isEmpty && incomplete.isEmpty && missingRecords.isEmpty
        var body: String
        if let worst = changed.first {
            var counts = "\(changed.count) of \(n) pinned records changed"
            if !incomplete.isEmpty { counts += ", \(incomplete.count) with items missing" }
            if !missingRecords.isEmpty { counts += ", \(missingRecords.count) missing" }
            body = "\(counts) (\(criteria)); worst: \(worst.text)"
        } else if !passed {
            var parts: [String] = []
            if !missingRecords.isEmpty { parts.append("\(missingRecords.count) of \(n) pinned records missing from the analysis") }
            if !incomplete.isEmpty { parts.append("\(incomplete.count) with pinned items missing") }
            body = parts.joined(separator: ", ") + "; the items compared hold (\(criteria))"
        } else {
            body = "all \(n) pinned records hold (\(criteria)): \(summary)"
        }

        var details = changed.map(\.text) + incomplete + missingRecords
        if !passed { details.append("summary: \(summary)") }
        let withNew = paired.filter { !$0.newItems.isEmpty }
        if let example = withNew.first {
            details.append("note: \(withNew.count) record\(withNew.count == 1 ? " has" : "s have") items the pin lacks, not compared "
                + "(e.g. \(quotedName(example.newItems[0])) in \(example.record.label))")
        }
        let pinnedKeys = Set(pinned.records.map(\.key))
        let unpinned = nowOrder.filter { !pinnedKeys.contains($0) }
        if let example = unpinned.first {
            details.append("note: \(unpinned.count) record\(unpinned.count == 1 ? "" : "s") of the experiment not pinned, not checked "
                + "(e.g. \(example.label))")
        }
        details += experimentNote(pinned)

        let measured: Double?, threshold: Double, margin: Double?
        switch rule.check {
        case .exact:
            measured = compared.map(\.changed).max()
            threshold = 0
            margin = measured.map { $0 == 0 ? 0 : -$0 }
        case .statistical(_, let maxPoints):
            measured = largest.map { abs($0.delta) }
            threshold = maxPoints
            margin = measured.map { maxPoints - $0 }
        }
        return result(budget, passed: passed, measured: measured, threshold: threshold, margin: margin, body, details: details)
    }

    /// A note when the pin comes from another experiment or preset (it is checked anyway).
    func experimentNote(_ pinned: PinnedResults) -> [String] {
        guard pinned.experiment != analysis.experiment || pinned.preset != analysis.preset else { return [] }
        return ["note: pinned from experiment \(pinned.experiment) (preset \(pinned.preset ?? "none")), "
            + "checked against \(analysis.experiment) (preset \(analysis.preset ?? "none"))"]
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
