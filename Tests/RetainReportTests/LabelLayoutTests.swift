import XCTest
import RetainAnalysis
@testable import RetainReport

final class LabelLayoutTests: XCTestCase {
    static let names = ["instruct", "domain-only", "domain-only-repeated", "public-mix:publicA", "public-mix:publicB",
                        "public-mix:publicC", "reconstructed-mix", "oracle-replay", "one-model-one-response",
                        "one-model-three-self-judged", "judge-set:strict", "reconstructed-mix@0.50"]

    /// Twelve arms at nearly the same point: no two label boxes overlap, none covers a point or
    /// the legend, all stay in the plot area, and the layout is the same every time.
    func testClusterOfTwelveHasNoCollisions() {
        let points = Self.names.indices.map { i in (x: 300 + Double(i) * 0.7, y: 200 - Double(i % 4) * 1.3) }
        let sizes = Self.names.map { LabelLayout.size($0, fontSize: 12) }
        let bounds = LabelLayout.Box(x: 64, y: 16, width: 592, height: 372)
        let legend = LabelLayout.Box(x: 426, y: 14, width: 230, height: 20)
        let placed = LabelLayout.place(points: points, sizes: sizes, bounds: bounds, obstacles: [legend])
        XCTAssertEqual(placed.count, 12)
        for (i, a) in placed.enumerated() {
            XCTAssertTrue(a.box.inside(bounds), "\(Self.names[i]) outside the plot")
            XCTAssertFalse(a.box.overlaps(legend), "\(Self.names[i]) covers the legend")
            XCTAssertEqual(a.box.width, sizes[i].width)
            for (j, b) in placed.enumerated() where j > i {
                XCTAssertFalse(a.box.overlaps(b.box), "\(Self.names[i]) overlaps \(Self.names[j])")
            }
            for p in points {
                XCTAssertFalse(a.box.overlaps(LabelLayout.Box(x: p.x - 6, y: p.y - 6, width: 12, height: 12)), "\(Self.names[i]) covers a point")
            }
        }
        // No spot beside a point is beside only that point: every label goes out on a leader line,
        // still close by.
        XCTAssertTrue(placed.allSatisfy(\.leader))
        for (p, l) in zip(points, placed) { XCTAssertLessThan(l.box.distance(p.x, p.y), 120) }
        XCTAssertEqual(placed, LabelLayout.place(points: points, sizes: sizes, bounds: bounds, obstacles: [legend]))
    }

    /// Two clusters a little apart: a label beside a point is nearer to it than to any other point
    /// by the clearance; a label on a leader line keeps the clearance from every other point.
    func testLabelsNameTheirPoints() {
        let points = [(x: 200.0, y: 200.0), (x: 206, y: 203), (x: 203, y: 208), (x: 400, y: 300), (x: 440, y: 300), (x: 420, y: 340)]
        let names = ["one-model-one-response", "reconstructed-mix", "public-mix:publicC", "instruct", "oracle-replay", "domain-only"]
        let placed = LabelLayout.place(points: points, sizes: names.map { LabelLayout.size($0, fontSize: 12) },
                                       bounds: LabelLayout.Box(x: 64, y: 16, width: 592, height: 372))
        for (i, l) in placed.enumerated() {
            let own = l.box.distance(points[i].x, points[i].y)
            for (j, q) in points.enumerated() where j != i {
                XCTAssertGreaterThanOrEqual(l.box.distance(q.x, q.y), l.leader ? 16 : own + 16, "\(names[i]) reads as \(names[j])'s label")
            }
        }
        XCTAssertTrue(placed.contains(where: \.leader))
        XCTAssertTrue(placed.contains { !$0.leader })
    }

    /// Points far apart keep their labels beside them, without leaders.
    func testSparsePointsNeedNoLeaders() {
        let points = [(x: 100.0, y: 100.0), (x: 400, y: 300), (x: 600, y: 60)]
        let placed = LabelLayout.place(points: points, sizes: ["a", "bb", "instruct"].map { LabelLayout.size($0, fontSize: 12) },
                                       bounds: LabelLayout.Box(x: 64, y: 16, width: 592, height: 372))
        XCTAssertFalse(placed.contains(where: \.leader))
        XCTAssertEqual(placed[0].box.x, 109)   // right of the point: radius 6 + gap 3
        XCTAssertLessThan(placed[2].box.maxX, 600)   // near the right edge: to the left
    }

    /// The scatter draws one label per arm and leader lines for a crowded chart.
    func testTradeOffChartUsesTheLayout() {
        let points = Self.names.enumerated().map { i, name in
            ReportModel.TradeOff(arm: name, forgetting: 1.5 + Double(i) * 0.02, gain: 3 + Double(i % 3) * 0.05, forgettingSD: nil, gainSD: nil)
        }
        let svg = SVGCharts.tradeOff(points, frontier: [])
        XCTAssertEqual(svg.components(separatedBy: "class=\"pt-label\"").count - 1, 12)
        XCTAssertTrue(svg.contains("class=\"leader\""))
        // With RETAIN_LABEL_HTML_OUT=/path/cluster.html, writes the chart as a page to look at.
        if let path = ProcessInfo.processInfo.environment["RETAIN_LABEL_HTML_OUT"], !path.isEmpty {
            let page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>\(HTMLStyle.css)</style></head><body>\(svg)</body></html>"
            XCTAssertNoThrow(try page.write(toFile: path, atomically: true, encoding: .utf8))
        }
    }
}
