import Foundation
import RetainAnalysis

/// The figures of the HTML report: data taken from the report model, drawn by `SVGCharts`.
struct HTMLCharts {
    let model: ReportModel
    init(_ model: ReportModel) { self.model = model }

    static func figure(_ svg: String, caption: String) -> String {
        "<figure>\(svg)<figcaption>\(esc(caption))</figcaption></figure>"
    }

    /// Scatter of domain gain against general forgetting with the Pareto frontier.
    func tradeOff() -> String {
        let points = model.tradeOffs()
        guard points.count > 1 else { return "<p class=\"note\">Needs at least one fine-tuned arm with general and domain results.</p>" }
        let frontier = ReportModel.paretoFrontier(points)
        let names = frontier.map { points[$0].arm }.joined(separator: ", ")
        return Self.figure(SVGCharts.tradeOff(points, frontier: frontier),
                           caption: "One point per arm (multiple choice, mean over seeds, whiskers ± sd); the instruct model sits at the "
                           + "origin. Up is more domain gain, left is less forgetting. The dashed line joins the non-dominated arms: \(names).")
    }

    /// Per arm, a bar per general benchmark family: F (light) with F_adj inside (dark).
    func familyBars() -> String {
        let rows = model.general.flatMap { b in model.families(b.name).map { (b.name, $0) } }
        guard !rows.isEmpty, !model.fineTuned.isEmpty else { return "<p class=\"note\">No family breakdown.</p>" }
        let multi = model.general.count > 1
        var data: [(arm: String, bars: [(label: String, value: Double, inner: Double?, cls: String)])] = []
        for arm in model.fineTuned {
            data.append((arm, rows.compactMap { bench, family in
                guard let f = model.familyMetric(arm, bench, family, .F) else { return nil }
                return (multi ? "\(bench) / \(family)" : family, f * 100, model.familyMetric(arm, bench, family, .Fadj).map { $0 * 100 }, "")
            }))
        }
        let maxValue = data.flatMap { $0.bars.map(\.value) }.max() ?? 1
        let figures = data.map { arm, bars in
            "<figure>" + SVGCharts.bars(bars, maxValue: maxValue * 1.05, title: arm, unit: "points") + "</figure>"
        }
        return "<p class=\"note\">Forgetting F (share of items 1→0) per task family on the general benchmarks, same scale for "
            + "every arm; the dark inner bar is the chance-adjusted F_adj.</p><div class=\"figures\">" + figures.joined() + "</div>"
    }

    /// General and domain Δ against the general share, one chart per swept arm.
    func sweep() -> String {
        let byArm = Dictionary(grouping: model.analysis.sweep, by: \.arm)
        return "<div class=\"figures\">" + byArm.keys.sorted().map { arm in
            let points = byArm[arm]!
            let svg = SVGCharts.lines([
                ("general Δ", "general", points.map { ($0.generalShare, $0.generalDelta.mean * 100, $0.generalDelta.sd.map { $0 * 100 }) }),
                ("domain Δ", "domain", points.map { ($0.generalShare, $0.domainDelta.mean * 100, $0.domainDelta.sd.map { $0 * 100 }) }),
            ], xTitle: "general share of the mix", yTitle: "Δ vs instruct (points)", label: "Mix-ratio sweep of \(arm)")
            return Self.figure(svg, caption: "\(arm): Δ general average and Δ domain (multiple choice, mean ± sd over seeds) "
                               + "against the general share of the fine-tuning mix.")
        }.joined() + "</div>"
    }

    /// Total-variation distance to the original SFT set for every reconstruction and public set.
    func fidelity() -> String {
        guard let f = model.analysis.fidelity else { return "" }
        let bars = f.reconstructions.map { ("\($0.recipe) (seed \($0.seed))", $0.totalVariation, Optional<Double>.none, "reconstruction") }
            + f.publicSets.map { ("public: \($0.name)", $0.totalVariation, Optional<Double>.none, "public") }
        let maxValue = max(bars.map(\.1).max() ?? 0, 0.05) * 1.1
        return Self.figure(SVGCharts.bars(bars.map { (label: $0.0, value: $0.1, inner: $0.2, cls: $0.3) }, maxValue: maxValue,
                                          title: "TV distance to the original SFT set", unit: "TV", digits: 3),
                           caption: "Total-variation distance of each set's task-family mix to the hidden original set (lower is closer): "
                           + "reconstructions dark, public sets light.")
    }
}
