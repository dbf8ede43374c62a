import XCTest
import RetainAnalysis
import RetainCore
@testable import RetainReport

final class PairedSectionsTests: XCTestCase {
    func comparison(_ a: String, _ b: String, _ role: BenchmarkKind, _ delta: Double, _ se: Double) -> PairedComparison {
        PairedComparison(question: "q", a: a, b: b, role: role, benchmarks: ["x"],
                         perSeed: [PairedSeedDifference(seed: 1, delta: delta, variance: se * se, items: 100, discordant: 10)])
    }

    /// The sentences carry Δ̄, the interval (points, one decimal), the deciding comparison and the verdict word.
    func testFindingSentences() {
        let m = "reconstructed-mix"
        let comparisons = [comparison(m, "instruct", .general, -0.01, 0.004),
                           comparison(m, "public-mix:a", .general, 0.05, 0.01), comparison(m, "public-mix:b", .general, -0.04, 0.01)]
        let findings = FindingRules.evaluate(comparisons, arms: ["instruct", "public-mix:a", "public-mix:b", m])
        XCTAssertEqual(ReportTables.sentence(findings[0]),
                       "The method keeps general ability (reconstructed-mix vs instruct, general): Δ̄ -1.0 points, "
                       + "95% interval [-1.8, -0.2], which lies entirely below 0 — does not hold.")
        XCTAssertEqual(ReportTables.sentence(findings[1]),
                       "It beats every public set (general): reconstructed-mix vs public-mix:a +5.0 points [+3.0, +7.0]; "
                       + "reconstructed-mix vs public-mix:b -4.0 points [-6.0, -2.0]; reconstructed-mix vs public-mix:b decides: "
                       + "its interval lies entirely below 0 — does not hold.")
        XCTAssertEqual(ReportTables.sentence(findings[2]),
                       "It improves the domain: skipped, the experiment lacks results for reconstructed-mix vs instruct on domain.")
    }

    func testSectionsFollowTheMainTable() throws {
        let analysis = try Fixture.analysis()
        let markdown = MarkdownReport.render(analysis, paper: nil)
        let titles = markdown.components(separatedBy: "\n").filter { $0.hasPrefix("## ") }
        XCTAssertEqual(Array(titles.prefix(3)), ["## Main table (multiple choice, points)", "## Key comparisons (paired, mc)",
                                                 "## Do the paper's findings hold here?"])
        XCTAssertTrue(markdown.contains("item sampling within seeds plus training-seed spread"))
        let html = HTMLReport.render(analysis, paper: nil)
        let main = try XCTUnwrap(html.range(of: "<section id=\"main\"")), key = try XCTUnwrap(html.range(of: "<section id=\"key-comparisons\""))
        let findings = try XCTUnwrap(html.range(of: "<section id=\"findings\""))
        XCTAssertTrue(main.lowerBound < key.lowerBound && key.lowerBound < findings.lowerBound)
        XCTAssertTrue(html.contains("<ol class=\"findings\">"))
        XCTAssertTrue(html.contains("<strong class=\"verdict holds\">holds</strong>."))
        // The interval column is coloured when it excludes 0 (reconstructed-mix's domain gain does).
        XCTAssertTrue(html.contains("<td class=\"sig gain\">+15.0 [+10.2, +19.8]</td>"))
        // Without paired results the sections are left out.
        var bare = analysis
        bare.keyComparisons = []; bare.findings = []
        XCTAssertFalse(MarkdownReport.render(bare, paper: nil).contains("Key comparisons"))
    }

    func testIntervalClass() {
        XCTAssertEqual(HTMLReport.intervalClass("+1.0 [+0.2, +1.8]"), "sig gain")
        XCTAssertEqual(HTMLReport.intervalClass("-1.0 [-1.8, -0.2]"), "sig loss")
        XCTAssertNil(HTMLReport.intervalClass("-1.0 [-1.8, +0.2]"))
        XCTAssertNil(HTMLReport.intervalClass("n/a"))
    }
}
