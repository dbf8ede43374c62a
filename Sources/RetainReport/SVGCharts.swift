import Foundation

/// Inline SVG charts (no xmlns or any other URL: inline SVG in HTML needs none). Every label is
/// escaped with `HTMLEscape`; numbers are formatted here.
enum SVGCharts {
    /// A linear map from data to pixels.
    struct Scale {
        var lo: Double, hi: Double, from: Double, to: Double
        func callAsFunction(_ v: Double) -> Double { from + (v - lo) / (hi - lo) * (to - from) }
    }

    /// Padded bounds covering `values` (and 0) with round tick positions.
    static func axis(_ values: [Double], includeZero: Bool = true, minSpan: Double = 1) -> (lo: Double, hi: Double, ticks: [Double]) {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi - lo < minSpan { let mid = (hi + lo) / 2; lo = mid - minSpan / 2; hi = mid + minSpan / 2 }
        let raw = (hi - lo) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        lo = floor((lo - step * 0.25) / step) * step
        hi = ceil((hi + step * 0.25) / step) * step
        let ticks = stride(from: lo, through: hi + step / 2, by: step).map { ($0 / step).rounded() * step }
        return (lo, hi, ticks)
    }

    static func f(_ v: Double) -> String { Fmt.number(v, 1) }
    static func tick(_ v: Double) -> String {
        abs(v - v.rounded()) < 1e-9 ? Fmt.number(v, 0) : (abs(v * 10 - (v * 10).rounded()) < 1e-9 ? Fmt.number(v, 1) : Fmt.number(v, 2))
    }

    /// Grid, tick labels and axis titles for an x/y plot.
    static func frame(x: Scale, xTicks: [Double], y: Scale, yTicks: [Double], xTitle: String, yTitle: String,
                      width: Double, height: Double) -> String {
        var s = ""
        for t in xTicks {
            s += "<line class=\"grid\" x1=\"\(f(x(t)))\" y1=\"\(f(y.to))\" x2=\"\(f(x(t)))\" y2=\"\(f(y.from))\"/>"
            s += "<text class=\"tick\" x=\"\(f(x(t)))\" y=\"\(f(y.from + 16))\" text-anchor=\"middle\">\(tick(t))</text>"
        }
        for t in yTicks {
            s += "<line class=\"grid\" x1=\"\(f(x.from))\" y1=\"\(f(y(t)))\" x2=\"\(f(x.to))\" y2=\"\(f(y(t)))\"/>"
            s += "<text class=\"tick\" x=\"\(f(x.from - 6))\" y=\"\(f(y(t) + 4))\" text-anchor=\"end\">\(tick(t))</text>"
        }
        if x.lo < 0 && x.hi > 0 { s += "<line class=\"zero\" x1=\"\(f(x(0)))\" y1=\"\(f(y.to))\" x2=\"\(f(x(0)))\" y2=\"\(f(y.from))\"/>" }
        if y.lo < 0 && y.hi > 0 { s += "<line class=\"zero\" x1=\"\(f(x.from))\" y1=\"\(f(y(0)))\" x2=\"\(f(x.to))\" y2=\"\(f(y(0)))\"/>" }
        s += "<text class=\"axis-title\" x=\"\(f((x.from + x.to) / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(esc(xTitle))</text>"
        s += "<text class=\"axis-title\" transform=\"translate(16 \(f((y.from + y.to) / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yTitle))</text>"
        return s
    }

    static func open(_ width: Double, _ height: Double, label: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(esc(label))\">"
    }

    /// Font size of the scatter's point labels (as `svg .pt-label` in the stylesheet) and their cut.
    static let labelFont = 12.0, labelLimit = 34

    /// Domain gain against general forgetting, one labelled point per arm (± sd whiskers), with
    /// the Pareto frontier drawn through the non-dominated arms. Labels never overlap (see
    /// `LabelLayout`); one pushed away from its point gets a leader line.
    static func tradeOff(_ points: [ReportModel.TradeOff], frontier: [Int]) -> String {
        let w = 680.0, h = 440.0
        let xa = axis(points.flatMap { [$0.forgetting - ($0.forgettingSD ?? 0), $0.forgetting + ($0.forgettingSD ?? 0)] })
        let ya = axis(points.flatMap { [$0.gain - ($0.gainSD ?? 0), $0.gain + ($0.gainSD ?? 0)] })
        let x = Scale(lo: xa.lo, hi: xa.hi, from: 64, to: w - 24), y = Scale(lo: ya.lo, hi: ya.hi, from: h - 52, to: 16)
        var s = open(w, h, label: "Domain gain against general forgetting per arm")
        s += frame(x: x, xTicks: xa.ticks, y: y, yTicks: ya.ticks, xTitle: "general forgetting (−Δ general average, points)",
                   yTitle: "domain gain (Δ domain, points)", width: w, height: h)
        if frontier.count > 1 {
            s += "<polyline class=\"frontier\" points=\"" + frontier.map { "\(f(x(points[$0].forgetting))),\(f(y(points[$0].gain)))" }.joined(separator: " ") + "\"/>"
        }
        for p in points {
            let cx = x(p.forgetting), cy = y(p.gain)
            if let sd = p.forgettingSD { s += "<line class=\"whisker\" x1=\"\(f(x(p.forgetting - sd)))\" y1=\"\(f(cy))\" x2=\"\(f(x(p.forgetting + sd)))\" y2=\"\(f(cy))\"/>" }
            if let sd = p.gainSD { s += "<line class=\"whisker\" x1=\"\(f(cx))\" y1=\"\(f(y(p.gain - sd)))\" x2=\"\(f(cx))\" y2=\"\(f(y(p.gain + sd)))\"/>" }
        }
        // Labels laid out clear of each other, of the points and of the legend (top right).
        let centres = points.map { (x: x($0.forgetting), y: y($0.gain)) }
        let texts = points.map { HTMLEscape.cut($0.arm, limit: labelLimit) }
        let legend = LabelLayout.Box(x: w - 254, y: 14, width: 230, height: 20)
        let placements = LabelLayout.place(points: centres, sizes: texts.map { LabelLayout.size($0, fontSize: labelFont) },
                                           bounds: LabelLayout.Box(x: x.from, y: y.to, width: x.to - x.from, height: y.from - y.to),
                                           obstacles: [legend], radius: 6)
        for (c, l) in zip(centres, placements) where l.leader {
            let n = l.box.nearest(c.x, c.y), d = max(1e-9, ((n.x - c.x) * (n.x - c.x) + (n.y - c.y) * (n.y - c.y)).squareRoot())
            s += "<line class=\"leader\" x1=\"\(f(c.x + (n.x - c.x) / d * 6))\" y1=\"\(f(c.y + (n.y - c.y) / d * 6))\" x2=\"\(f(n.x))\" y2=\"\(f(n.y))\"/>"
        }
        for (i, p) in points.enumerated() {
            s += "<circle class=\"pt\(frontier.contains(i) ? " on-frontier" : "")\" cx=\"\(f(centres[i].x))\" cy=\"\(f(centres[i].y))\" r=\"6\"><title>\(esc(p.arm)): forgetting \(f(p.forgetting)), gain \(f(p.gain))</title></circle>"
        }
        for (text, l) in zip(texts, placements) {
            s += "<text class=\"pt-label\" x=\"\(f(l.box.x + 1))\" y=\"\(f(l.box.y + labelFont))\">\(esc(text))</text>"
        }
        s += "<polyline class=\"frontier\" points=\"\(f(w - 250)),24 \(f(w - 226)),24\"/><text class=\"tick\" x=\"\(f(w - 220))\" y=\"28\">Pareto frontier (non-dominated)</text>"
        return s + "</svg>"
    }

    /// One horizontal bar per row, on a shared 0…`maxValue` scale; an optional second value is
    /// drawn as a narrower, darker bar inside (e.g. F_adj inside F).
    static func bars(_ rows: [(label: String, value: Double, inner: Double?, cls: String)], maxValue: Double,
                     title: String, unit: String, digits: Int = 1) -> String {
        let labelWidth = 210.0, w = 580.0, rowH = 22.0, h = Double(rows.count) * rowH + 44
        let x = Scale(lo: 0, hi: maxValue > 0 ? maxValue : 1, from: labelWidth, to: w - 70)
        var s = open(w, h, label: title)
        s += "<text class=\"axis-title\" x=\"\(f(labelWidth))\" y=\"14\">\(esc(title))</text>"
        for (i, r) in rows.enumerated() {
            let top = 24 + Double(i) * rowH
            s += "<text class=\"tick\" x=\"\(f(labelWidth - 6))\" y=\"\(f(top + 14))\" text-anchor=\"end\">\(HTMLEscape.label(r.label, limit: 32))<title>\(esc(r.label))</title></text>"
            s += "<rect class=\"bar \(r.cls)\" x=\"\(f(labelWidth))\" y=\"\(f(top + 2))\" width=\"\(f(max(0, x(r.value) - labelWidth)))\" height=\"\(f(rowH - 6))\"><title>\(esc(r.label)): \(Fmt.number(r.value, digits)) \(esc(unit))</title></rect>"
            if let inner = r.inner {
                s += "<rect class=\"bar inner\" x=\"\(f(labelWidth))\" y=\"\(f(top + 7))\" width=\"\(f(max(0, x(inner) - labelWidth)))\" height=\"\(f(rowH - 16))\"/>"
            }
            s += "<text class=\"tick\" x=\"\(f(x(r.value) + 5))\" y=\"\(f(top + 14))\">\(Fmt.number(r.value, digits))\(r.inner.map { " / " + Fmt.number($0, digits) } ?? "")</text>"
        }
        return s + "</svg>"
    }

    /// Lines of (x, y ± sd) points, e.g. general and domain Δ against the general share.
    static func lines(_ series: [(name: String, cls: String, points: [(x: Double, y: Double, sd: Double?)])],
                      xTitle: String, yTitle: String, label: String) -> String {
        let w = 620.0, h = 360.0
        let all = series.flatMap(\.points)
        let xa = axis(all.map(\.x), includeZero: false, minSpan: 0.1)
        let ya = axis(all.flatMap { [$0.y - ($0.sd ?? 0), $0.y + ($0.sd ?? 0)] })
        let x = Scale(lo: xa.lo, hi: xa.hi, from: 64, to: w - 150), y = Scale(lo: ya.lo, hi: ya.hi, from: h - 52, to: 16)
        var s = open(w, h, label: label)
        s += frame(x: x, xTicks: xa.ticks, y: y, yTicks: ya.ticks, xTitle: xTitle, yTitle: yTitle, width: w, height: h)
        for (k, line) in series.enumerated() {
            let pts = line.points.sorted { $0.x < $1.x }
            s += "<polyline class=\"series \(line.cls)\" points=\"" + pts.map { "\(f(x($0.x))),\(f(y($0.y)))" }.joined(separator: " ") + "\"/>"
            for p in pts {
                if let sd = p.sd { s += "<line class=\"whisker\" x1=\"\(f(x(p.x)))\" y1=\"\(f(y(p.y - sd)))\" x2=\"\(f(x(p.x)))\" y2=\"\(f(y(p.y + sd)))\"/>" }
                s += "<circle class=\"dot \(line.cls)\" cx=\"\(f(x(p.x)))\" cy=\"\(f(y(p.y)))\" r=\"4\"><title>\(esc(line.name)) at \(Fmt.number(p.x, 2)): \(f(p.y))</title></circle>"
            }
            let ly = 24 + Double(k) * 18
            s += "<line class=\"series \(line.cls)\" x1=\"\(f(w - 140))\" y1=\"\(f(ly - 4))\" x2=\"\(f(w - 118))\" y2=\"\(f(ly - 4))\"/>"
            s += "<text class=\"tick\" x=\"\(f(w - 112))\" y=\"\(f(ly))\">\(HTMLEscape.label(line.name, limit: 18))</text>"
        }
        return s + "</svg>"
    }
}
