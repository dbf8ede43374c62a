import Foundation
import RetainAnalysis
import RetainCore

/// A renderer-neutral table: every header and cell is plain text, escaped by the renderer
/// (Markdown cell escaping or HTML escaping), so model text can never reach either unescaped.
struct ReportTable {
    var id: String
    var title: String
    var notes: [String] = []
    var headers: [String]
    var rows: [[String]]
    /// Columns holding names rather than numbers (left-aligned).
    var labels: Set<Int> = [0]
    /// Columns of "Δ [lower, upper]" cells (HTML colours those whose interval excludes 0).
    var intervals: Set<Int> = []
    /// Header groups spanning consecutive columns (HTML draws them as a header row above).
    var groups: [(title: String, span: Int)] = []

    /// The two tables side by side as one (for Markdown); rows are paired by index.
    func joined(_ other: ReportTable, id: String, title: String) -> ReportTable {
        let count = max(rows.count, other.rows.count)
        func row(_ t: ReportTable, _ i: Int) -> [String] { i < t.rows.count ? t.rows[i] : Array(repeating: "", count: t.headers.count) }
        return ReportTable(id: id, title: title, notes: notes + other.notes, headers: headers + other.headers,
                           rows: (0..<count).map { row(self, $0) + row(other, $0) },
                           labels: labels.union(other.labels.map { $0 + headers.count }),
                           groups: [(self.title, headers.count), (other.title, other.headers.count)])
    }
}

/// The tables of a report, in display order, built once and rendered by both renderers.
struct ReportTables {
    let model: ReportModel
    var analysis: ExperimentAnalysis { model.analysis }

    init(_ analysis: ExperimentAnalysis) { model = ReportModel(analysis) }

    static let legend = "Cells: accuracy after fine-tuning, mean ± sd over seeds, in points; Δ = arm − instruct. "
        + "`*`: the 95% interval of Δ excludes 0 (Student t over seeds; with one seed, the paired bootstrap interval). "
        + "`†`: Holm-adjusted exact McNemar p < 0.05 at every seed (Holm across benchmarks). "
        + "General average: per seed the mean over general benchmarks, then over seeds; its `*` uses the t interval "
        + "over seeds (none with one seed) and it has no `†`. The noise-floor row is the instruct model's own "
        + "spread, sd / range: for generation, over its greedy and sampled runs (one per seed); for multiple choice "
        + "(deterministic), over item resamples, with the 95% interval width as the range. A Δ inside it is "
        + "indistinguishable from evaluation noise."

    /// Rows = arms in spec order; columns = general benchmarks, general average, domain benchmarks.
    func scoreTable(_ variant: MetricVariant) -> ReportTable {
        let columns: [(title: String, benchmarks: [BenchmarkInfo], isAverage: Bool)] =
            model.general.map { ($0.name, [$0], false) } + [("general avg", model.general, true)]
            + model.domain.map { ($0.name + " (domain)", [$0], false) }
        var rows: [[String]] = []
        for arm in analysis.arms {
            if arm == ReportModel.reference {
                rows.append([arm] + columns.map { c in
                    let score = c.isAverage ? model.instructAverage(c.benchmarks, variant)
                        : model.instruct(c.benchmarks[0].name, variant)?.accuracy
                    return score.map { Fmt.pts($0) } ?? "—"
                })
                rows.append(["noise floor (sd / range)"] + columns.map { c in
                    guard !c.isAverage, let noise = model.instruct(c.benchmarks[0].name, variant)?.noise else { return "—" }
                    return (noise.sd.map { Fmt.pts($0) } ?? "n/a") + " / " + Fmt.pts(noise.range)
                })
            } else {
                rows.append([arm] + columns.map { c in
                    let cell = c.isAverage ? model.averageCell(arm, c.benchmarks, variant) : model.cell(arm, c.benchmarks[0].name, variant)
                    return cell?.text ?? "—"
                })
            }
        }
        let main = variant == .mc
        return ReportTable(id: main ? "main" : "variant-\(variant.rawValue)",
                           title: main ? "Main table (multiple choice, points)" : "Variant \(variant.rawValue) (points)",
                           notes: main ? [Self.legend] : ["Same layout, markers and legend as the main table."],
                           headers: ["arm"] + columns.map(\.title), rows: rows)
    }

    /// Rows = benchmark/family; columns = arms; cells "F / F_adj" (mc, mean over seeds, points).
    func familyForgetting() -> ReportTable {
        var rows: [[String]] = []
        for b in analysis.benchmarks {
            for family in model.families(b.name) {
                rows.append([b.name, family] + model.fineTuned.map { arm in
                    guard let f = model.familyMetric(arm, b.name, family, .F) else { return "—" }
                    return Fmt.pts(f) + " / " + (model.familyMetric(arm, b.name, family, .Fadj).map { Fmt.pts($0) } ?? "n/a")
                })
            }
        }
        return ReportTable(id: "families", title: "Forgetting per family (F / F_adj, points)",
                           notes: ["F = share of items right before and wrong after (1→0); F_adj subtracts the transitions "
                                   + "expected by chance guessing. Multiple choice, mean over seeds."],
                           headers: ["benchmark", "family"] + model.fineTuned, rows: rows, labels: [0, 1])
    }

    func fidelity() -> ReportTable? {
        guard let f = analysis.fidelity else { return nil }
        let rows = f.reconstructions.map { r in
            ["reconstruction", "\(r.recipe) (seed \(r.seed))", Fmt.number(r.totalVariation, 3), Fmt.pts(r.validShare),
             Fmt.pts(r.selectedCorrect), "\(r.instructionsKept) / \(r.instructionsSampled)"]
        } + f.publicSets.map { p in ["public set", p.name, Fmt.number(p.totalVariation, 3), "—", Fmt.pts(p.correct), "—"] }
        return ReportTable(id: "fidelity", title: "Reconstruction fidelity",
                           notes: ["Total-variation distance of each set's task-family mix to the hidden original SFT set "
                                   + "(0 = identical mix, 1 = disjoint). Valid share and correct share in percent."],
                           headers: ["kind", "set", "TV distance", "valid %", "correct %", "kept / sampled"], rows: rows, labels: [0, 1])
    }

    func formatDrift() -> ReportTable? {
        guard !analysis.formatDrift.isEmpty else { return nil }
        return ReportTable(id: "format-drift", title: "Format drift",
                           notes: ["Share of items where multiple choice and generation disagree, and flexible − strict "
                                   + "generative accuracy (points), mean over seeds."],
                           headers: ["arm", "benchmark", "mc/gen disagreement %", "strict gap"],
                           rows: analysis.formatDrift.map { [$0.arm, $0.benchmark, Fmt.pts($0.mcGenDisagreement), Fmt.signed($0.strictGap)] },
                           labels: [0, 1])
    }

    func sweep() -> ReportTable? {
        guard !analysis.sweep.isEmpty else { return nil }
        let points = analysis.sweep.sorted { ($0.arm, $0.generalShare) < ($1.arm, $1.generalShare) }
        return ReportTable(id: "sweep", title: "Mix-ratio sweep (multiple choice, points)",
                           notes: ["Δ general average and Δ domain against the instruct model, mean ± sd over seeds, 95% t interval."],
                           headers: ["arm", "general share", "general Δ", "general 95% CI", "domain Δ", "domain 95% CI"],
                           rows: points.map { p in
                               [p.arm, Fmt.number(p.generalShare, 2), Fmt.meanSD(p.generalDelta.mean, p.generalDelta.sd, signed: true),
                                Fmt.ci(p.generalDelta.ci), Fmt.meanSD(p.domainDelta.mean, p.domainDelta.sd, signed: true), Fmt.ci(p.domainDelta.ci)]
                           })
    }

    /// Rows = fine-tuned arms: mix size and optimizer steps (mean over seeds), beside the general
    /// and domain Δ (mc): what separates "which data" from "how long".
    func trainingCompute() -> ReportTable? {
        guard !analysis.trainingCompute.isEmpty else { return nil }
        func delta(_ arm: String, _ kind: BenchmarkKind) -> String {
            let values = analysis.benchmarks.filter { $0.kind == kind }
                .compactMap { analysis.aggregate(arm: arm, benchmark: $0.name, variant: .mc, metric: .delta)?.mean }
            return values.isEmpty ? "—" : Fmt.signed(values.reduce(0, +) / Double(values.count))
        }
        return ReportTable(id: "training-compute", title: "Training compute",
                           notes: ["Mix size (conversations) and optimizer steps per fine-tuned arm, mean over seeds, beside the Δ "
                                   + "of the main table (mc, points; per role, the mean over its benchmarks). The mixes train several times "
                                   + "as many steps as domain-only; `domain-only-repeated` trains the domain set repeated to a mix's size, "
                                   + "so domain-only → domain-only-repeated is the effect of more steps on the same data, and "
                                   + "domain-only-repeated → a mix the effect of the general data at about equal steps. "
                                   + "`training.tokens` holds every arm's compute exactly equal."],
                           headers: ["arm", "conversations", "steps", "Δ general", "Δ domain"],
                           rows: analysis.trainingCompute.map { t in
                               [t.arm, Fmt.number(t.conversations, 0), Fmt.number(t.steps, 1), delta(t.arm, .general), delta(t.arm, .domain)]
                           })
    }

    func stageTimes() -> ReportTable? {
        guard !analysis.stageTimes.isEmpty else { return nil }
        let total = analysis.stageTimes.map(\.wallSeconds).reduce(0, +)
        let rows = analysis.stageTimes.map { t in
            [t.kind, "\(t.runs)", Fmt.number(t.wallSeconds, 1), total > 0 ? Fmt.pts(t.wallSeconds / total) : "—"]
        } + [["total", "\(analysis.stageTimes.map(\.runs).reduce(0, +))", Fmt.number(total, 1), total > 0 ? "100.0" : "—"]]
        return ReportTable(id: "stage-times", title: "Stage times", headers: ["stage", "runs", "wall s", "share %"], rows: rows)
    }

    /// Rows = arms; columns = benchmarks; mean minimum detectable |Δ| over seeds (mc, points).
    func minimumDetectableEffect() -> ReportTable {
        ReportTable(id: "mde", title: "Minimum detectable effect (multiple choice, points)",
                    notes: ["Smallest |Δ| the exact McNemar test detects with the analysis's power and α (defaults 80%, 0.05) "
                            + "at the observed discordance, mean over seeds. A |Δ| below it is no evidence of no change."],
                    headers: ["arm"] + analysis.benchmarks.map(\.name),
                    rows: model.fineTuned.map { arm in
                        [arm] + analysis.benchmarks.map { b in
                            let values = analysis.comparisons(arm: arm, benchmark: b.name, variant: .mc).compactMap(\.mde)
                            return values.isEmpty ? "n/a" : Fmt.pts(values.reduce(0, +) / Double(values.count))
                        }
                    })
    }

    /// The paper's numbers and this experiment's, row for row.
    func paper(_ paper: PaperBaseline) -> (paper: ReportTable, reproduced: ReportTable) {
        let paperRows = paper.rows.map { row in
            [row.setting] + paper.benchmarks.map { b in row.scores[b].map { Fmt.number($0, 2) } ?? "—" }
                + [Fmt.number(row.average, 2), paper.delta(row).map { Fmt.number($0, 2, signed: true) } ?? "—"]
        }
        let instructAverage = model.instructAverage(model.general, .mc)
        let ours = paper.rows.map { row -> [String] in
            guard let arm = paper.resolvedArm(row, in: analysis) else { return ["not run", "—", "—", "—", "—"] }
            if arm == ReportModel.reference {
                return [arm, instructAverage.map { Fmt.pts($0, 2) } ?? "—", "—", "—", "—"]
            }
            let g = model.averageCell(arm, model.general, .mc)
            let d = model.averageCell(arm, model.domain, .mc)
            let same: String
            if let paperDelta = paper.delta(row), let ourDelta = g?.delta, paperDelta != 0, ourDelta != 0 {
                same = (paperDelta > 0) == (ourDelta > 0) ? "yes" : "no"
            } else { same = "—" }
            return [arm, g.map { Fmt.meanSD($0.mean, $0.sd, 2) } ?? "—",
                    g.map { Fmt.meanSD($0.delta, $0.deltaSD, signed: true, 2) + $0.markers } ?? "—",
                    d.map { Fmt.meanSD($0.delta, $0.deltaSD, signed: true, 2) + $0.markers } ?? "—", same]
        }
        let notes = ["Paper: \(paper.baseModel), \(paper.domain) domain; average over \(paper.averageOver). \(paper.note) "
                     + "Source: \(paper.source).",
                     "Here: general average and Δ (mc, mean ± sd over seeds, markers as in the main table); the paper's best and "
                     + "worst public sets map to the public-mix arms with the highest and lowest general-average Δ."]
        return (ReportTable(id: "paper", title: "Paper (arXiv 2506.09428)", notes: [notes[0]],
                            headers: ["paper setting"] + paper.benchmarks + ["paper avg", "paper Δ"], rows: paperRows),
                ReportTable(id: "reproduced", title: "This experiment", notes: [notes[1]],
                            headers: ["arm here", "general avg here", "Δ general here", "Δ domain here", "same direction"], rows: ours))
    }
}
