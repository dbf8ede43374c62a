import XCTest
import RetainAnalysis
import RetainCore
@testable import RetainReport

final class HTMLReportTests: XCTestCase {
    static let hostilePayload = Fixture.payloads.joined(separator: " ")
    static let hostile = Result { try Fixture.analysis(payload: hostilePayload) }
    static let plain = Result { try Fixture.analysis() }

    func testEscapeFunction() {
        XCTAssertEqual(HTMLEscape.escape(#"<a href="x">'&'</a>"#),
                       "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;&#47;a&gt;")
        XCTAssertEqual(HTMLEscape.escape("plain text 1.5"), "plain text 1.5")
    }

    /// Script payloads in outputs, questions, arm, family and experiment names never reach the
    /// page raw; their escaped forms do.
    func testPayloadsAreEscapedEverywhere() throws {
        let analysis = try Self.hostile.get()
        XCTAssertTrue(analysis.arms.contains { $0.contains("<script>") })
        XCTAssertTrue(analysis.forgotten.contains { $0.family.contains("<script>") && $0.after.contains("onerror") })
        let html = HTMLReport.render(analysis, paper: try Fixture.baseline())
        for payload in Fixture.payloads where payload != "&amp;" {
            XCTAssertFalse(html.contains(payload), "raw payload in HTML: \(payload)")
            XCTAssertTrue(html.contains(HTMLEscape.escape(payload)), "escaped payload missing: \(payload)")
        }
        XCTAssertFalse(html.contains("<img"))
        XCTAssertFalse(html.contains("</textarea"))
        // The only "&" in this fixture's text is the "&amp;" payload: every "&amp;" in the page
        // must be its escaped form "&amp;amp;" (a raw "&amp;" would be followed by something else).
        XCTAssertTrue(html.contains("&amp;amp;"))
        for piece in html.components(separatedBy: "&amp;").dropFirst() { XCTAssertTrue(piece.hasPrefix("amp;"), String(piece.prefix(30))) }
        XCTAssertEqual(html.components(separatedBy: "<script").count - 1, 1, "only the report's own inline script")
        // The payload reaches the SVG labels too (arm name in the scatter and the bars).
        let svg = html.components(separatedBy: "<svg").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }.joined()
        XCTAssertTrue(svg.contains("&lt;script&gt;"))
        XCTAssertFalse(svg.contains("<script"))
    }

    func testNoExternalResources() throws {
        for analysis in [try Self.plain.get(), try Self.hostile.get()] {
            let html = HTMLReport.render(analysis, paper: try Fixture.baseline()).lowercased()
            for needle in ["http://", "https://", "src=\"//", "href=\"//", "//", "url(", "@import", "<link", "@font-face"] {
                XCTAssertFalse(html.contains(needle), "found \(needle)")
            }
            for match in html.components(separatedBy: "href=\"").dropFirst() {
                XCTAssertTrue(match.hasPrefix("#"), "non-fragment link: \(match.prefix(40))")
            }
        }
    }

    func testPageStructure() throws {
        let analysis = try Self.plain.get()
        let html = HTMLReport.render(analysis, paper: try Fixture.baseline())
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("id=\"t-main\""))
        XCTAssertTrue(html.contains("id=\"t-paper-vs-reproduced\""))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 1 + 2 + 1 + 1, "scatter, 2 family charts, sweep, fidelity")
        XCTAssertTrue(html.contains("class=\"frontier\""))
        XCTAssertTrue(html.contains(" ± "))
        XCTAssertEqual(html, HTMLReport.render(analysis, paper: try Fixture.baseline()), "deterministic")
        // Without a sweep or fidelity, their charts disappear.
        var bare = analysis
        bare.sweep = []; bare.fidelity = nil
        let page = HTMLReport.render(bare, paper: nil)
        XCTAssertFalse(page.contains("id=\"sweep\"") || page.contains("id=\"fidelity\"") || page.contains("id=\"t-paper-vs-reproduced\""))
    }

    func testForgottenBrowserCapsPerArm() throws {
        var analysis = try Self.plain.get()
        let arm = analysis.arms[1]
        let template = try XCTUnwrap(analysis.forgotten.first { $0.arm == arm })
        analysis.forgotten = (0..<(HTMLReport.forgottenLimit + 7)).map { i in
            var item = template; item.itemID = "bulk-\(i)"; return item
        }
        let html = HTMLReport.browserHTML(analysis)
        XCTAssertTrue(html.contains("bulk-\(HTMLReport.forgottenLimit - 1)<"))
        XCTAssertFalse(html.contains("bulk-\(HTMLReport.forgottenLimit)<"))
        XCTAssertTrue(html.contains("and 7 more not shown"))
    }

    /// With RETAIN_REPORT_HTML_OUT=/path/report.html, writes the fixture's page there (and the
    /// hostile fixture's beside it as report-hostile.html) for `scripts/check-html.sh`.
    func testWriteSampleWhenRequested() throws {
        guard let path = ProcessInfo.processInfo.environment["RETAIN_REPORT_HTML_OUT"], !path.isEmpty else { return }
        let url = URL(fileURLWithPath: path)
        try HTMLReport.render(try Self.plain.get(), paper: try Fixture.baseline()).write(to: url, atomically: true, encoding: .utf8)
        let hostile = url.deletingPathExtension().path + "-hostile.html"
        try HTMLReport.render(try Self.hostile.get(), paper: try Fixture.baseline())
            .write(toFile: hostile, atomically: true, encoding: .utf8)
    }

    func testParetoFrontier() {
        typealias P = ReportModel.TradeOff
        let points = [P(arm: "instruct", forgetting: 0, gain: 0, forgettingSD: nil, gainSD: nil),
                      P(arm: "a", forgetting: 1, gain: 10, forgettingSD: nil, gainSD: nil),
                      P(arm: "b", forgetting: 3, gain: 8, forgettingSD: nil, gainSD: nil),   // dominated by a
                      P(arm: "c", forgetting: 4, gain: 12, forgettingSD: nil, gainSD: nil)]
        XCTAssertEqual(ReportModel.paretoFrontier(points).map { points[$0].arm }, ["instruct", "a", "c"])
    }
}

extension HTMLReport {
    /// The forgotten-items browser alone (test access).
    static func browserHTML(_ a: ExperimentAnalysis) -> String { forgottenBrowser(a) }
}
