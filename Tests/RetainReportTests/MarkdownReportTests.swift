import XCTest
import RetainAnalysis
import RetainCore
@testable import RetainReport

final class MarkdownReportTests: XCTestCase {
    static let plain = Result { try Fixture.analysis() }

    /// The whole Markdown report against `MarkdownSnapshot.swift`. Set RETAIN_UPDATE_SNAPSHOTS=1
    /// to rewrite that file from the current output (then review the diff).
    func testSnapshot() throws {
        let markdown = MarkdownReport.render(try Self.plain.get(), paper: try Fixture.baseline())
        if ProcessInfo.processInfo.environment["RETAIN_UPDATE_SNAPSHOTS"] == "1" {
            try Snapshot.write(markdown)
            return
        }
        if let mismatch = Snapshot.firstMismatch(expected: expectedMarkdownSnapshot, actual: markdown) {
            XCTFail("Markdown report differs from MarkdownSnapshot.swift (RETAIN_UPDATE_SNAPSHOTS=1 to update):\n\(mismatch)")
        }
    }

    func testCellEscaping() {
        XCTAssertEqual(MarkdownReport.escapeCell("a|b"), "a\\|b")
        XCTAssertEqual(MarkdownReport.escapeCell("line1\nline2\r\nline3\rline4"), "line1<br>line2<br>line3<br>line4")
        XCTAssertEqual(MarkdownReport.escapeCell("<b>x</b> & \\|"), "&lt;b&gt;x&lt;/b&gt; &amp; \\\\\\|")
        XCTAssertEqual(MarkdownReport.escapeInline("two\nlines | pipe"), "two lines \\| pipe")
    }

    /// Names with `|` and newlines do not add columns or break rows.
    func testTablesStayRectangularWithHostileNames() throws {
        var analysis = try Self.plain.get()
        let evil = "evil|arm\nsecond line"
        let old = analysis.arms[1]
        analysis.arms[1] = evil
        for i in analysis.comparisons.indices where analysis.comparisons[i].arm == old { analysis.comparisons[i].arm = evil }
        for i in analysis.aggregates.indices where analysis.aggregates[i].arm == old { analysis.aggregates[i].arm = evil }
        for i in analysis.formatDrift.indices where analysis.formatDrift[i].arm == old { analysis.formatDrift[i].arm = evil }
        let markdown = MarkdownReport.render(analysis, paper: try Fixture.baseline())
        XCTAssertTrue(markdown.contains("evil\\|arm<br>second line"))
        XCTAssertFalse(markdown.contains("evil|arm"))
        XCTAssertFalse(markdown.contains("second line\n") && !markdown.contains("<br>second line"))
        for table in markdown.components(separatedBy: "\n\n").filter({ $0.hasPrefix("| ") }) {
            let widths = table.split(separator: "\n").map { line in
                line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            }
            XCTAssertEqual(Set(widths).count, 1, "ragged table:\n\(table)")
        }
    }

    func testMainTableMarkersAndNoiseFloor() throws {
        let analysis = try Self.plain.get()
        let table = ReportTables(analysis).scoreTable(.mc)
        XCTAssertEqual(table.headers, ["arm", "knowledge", "reasoning", "general avg", "medicine (domain)"])
        XCTAssertEqual(table.rows.map { $0[0] }, ["instruct", "noise floor (sd / range)", "public-mix:publicA", "reconstructed-mix"])
        // The strongly forgetting public mix is significant on knowledge: its seed-level
        // interval and every seed's Holm p agree with the markers printed.
        let cell = try XCTUnwrap(ReportModel(analysis).cell("public-mix:publicA", "knowledge", .mc))
        let aggregate = try XCTUnwrap(analysis.aggregate(arm: "public-mix:publicA", benchmark: "knowledge", variant: .mc, metric: .delta))
        XCTAssertEqual(cell.significant, try XCTUnwrap(aggregate.ci).upper < 0 || aggregate.ci!.lower > 0)
        XCTAssertEqual(cell.holm, analysis.comparisons(arm: "public-mix:publicA", benchmark: "knowledge", variant: .mc).allSatisfy { $0.pHolm! < 0.05 })
        XCTAssertTrue(cell.holm)
        XCTAssertTrue(table.rows[2][1].hasSuffix(cell.markers + ")"))
        XCTAssertTrue(table.rows[1][1].contains(" / "))
    }

    /// With one seed the marker falls back to that seed's bootstrap interval.
    func testSingleSeedUsesBootstrapInterval() throws {
        var analysis = try Self.plain.get()
        analysis.comparisons = analysis.comparisons.filter { $0.seed == 1 }
        analysis.aggregates = []
        let comparison = analysis.comparisons(arm: "public-mix:publicA", benchmark: "knowledge", variant: .mc)[0]
        let cell = try XCTUnwrap(ReportModel(analysis).cell("public-mix:publicA", "knowledge", .mc))
        XCTAssertNil(cell.sd)
        XCTAssertEqual(cell.deltaCI, comparison.ci)
        XCTAssertEqual(cell.significant, comparison.ci.upper < 0 || comparison.ci.lower > 0)
    }

    func testNumberFormatting() {
        XCTAssertEqual(Fmt.pts(0.5774), "57.7")
        XCTAssertEqual(Fmt.signed(-0.0001), "+0.0")
        XCTAssertEqual(Fmt.pts(-0.0001), "0.0")
        XCTAssertEqual(Fmt.meanSD(0.5774, 0.004), "57.7 ± 0.4")
        XCTAssertEqual(Fmt.pts(.nan), "n/a")
    }
}

/// Reading and writing the embedded Markdown snapshot.
enum Snapshot {
    static var file: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("MarkdownSnapshot.swift") }

    static func write(_ markdown: String) throws {
        precondition(!markdown.contains("\"\"\"#"), "snapshot cannot hold a raw-string terminator")
        let source = "// Generated by MarkdownReportTests.testSnapshot with RETAIN_UPDATE_SNAPSHOTS=1; do not edit by hand.\n"
            + "// The expected MarkdownReport output for Fixture.analysis() and the paper baseline.\n\n"
            + "let expectedMarkdownSnapshot = #\"\"\"\n" + markdown + "\n\"\"\"#\n"
        try source.write(to: file, atomically: true, encoding: .utf8)
    }

    /// The first differing line, unified-diff style with a line of context, or nil when equal.
    static func firstMismatch(expected: String, actual: String) -> String? {
        guard expected != actual else { return nil }
        let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
        let i = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
        var out = "@@ line \(i + 1) (expected \(e.count) lines, got \(a.count)) @@\n"
        if i > 0 { out += "  " + e[i - 1] + "\n" }
        if i < e.count { out += "- " + e[i] + "\n" }
        if i < a.count { out += "+ " + a[i] + "\n" }
        return out
    }
}
