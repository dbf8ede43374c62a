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

final class ContentSecurityPolicyTests: XCTestCase {
    func testSHA256MatchesTheFIPSVectors() {
        func hex(_ s: String) -> String { SHA256.digest(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        XCTAssertEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hex(String(repeating: "a", count: 1_000_000)), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(SHA256.base64([0x66, 0x6f, 0x6f, 0x62]), "Zm9vYg==")
        XCTAssertEqual(SHA256.base64([0x66, 0x6f, 0x6f, 0x62, 0x61]), "Zm9vYmE=")
    }

    /// The page's policy lists exactly the hashes of its inline stylesheet and script, as Python's
    /// hashlib computes them from the rendered page (Chromium enforcing it: scripts/check-html.sh).
    func testThePolicyHashesThePagesOwnInlineBlocksAndAllowsNothingElse() throws {
        let html = HTMLReport.render(try HTMLReportTests.plain.get(), paper: nil)
        let policy = try XCTUnwrap(html.range(of: #"<meta http-equiv="Content-Security-Policy" content=""#).map { r in
            String(html[r.upperBound...].prefix { $0 != "\"" })
        })
        XCTAssertTrue(policy.hasPrefix("default-src 'none'; style-src 'sha256-"), policy)
        XCTAssertTrue(policy.hasSuffix("base-uri 'none'; form-action 'none'"), policy)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("retain-csp-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: url) }
        try html.write(to: url, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", """
            import base64, hashlib, re, sys
            page = open(sys.argv[1], encoding="utf-8").read()
            h = lambda s: "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            style = re.findall(r"<style>(.*?)</style>", page, re.S)
            script = re.findall(r"<script>(.*?)</script>", page, re.S)
            assert len(style) == 1 and len(script) == 1, (len(style), len(script))
            print(f"default-src 'none'; style-src {h(style[0])}; script-src {h(script[0])}; base-uri 'none'; form-action 'none'")
            """, url.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(out.trimmingCharacters(in: .newlines), policy)
    }
}

extension HTMLReport {
    /// The forgotten-items browser alone (test access).
    static func browserHTML(_ a: ExperimentAnalysis) -> String { forgottenBrowser(a) }
}
