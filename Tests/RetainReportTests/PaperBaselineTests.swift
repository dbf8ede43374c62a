import XCTest
import RetainAnalysis
@testable import RetainReport

final class PaperBaselineTests: XCTestCase {
    func testBaselineDecodesWithSourceAndCaveats() throws {
        let baseline = try Fixture.baseline()
        XCTAssertEqual(baseline.baseModel, "Llama-3-70B-Instruct")
        XCTAssertEqual(baseline.benchmarks, ["MMLU-PRO", "MATH Lvl 5"])
        XCTAssertFalse(baseline.varianceReported)
        XCTAssertTrue(baseline.note.contains("secondary sources") && baseline.note.contains("unverified"))
        XCTAssertFalse(baseline.source.isEmpty)
        XCTAssertEqual(baseline.rows.map(\.average), [39.00, 38.00, 35.91, 39.21, 38.81, 39.06, 39.21])
        XCTAssertEqual(baseline.rows[0].scores, ["MMLU-PRO": 46.74, "MATH Lvl 5": 23.34])
        XCTAssertEqual(baseline.rows[2].scores["MATH Lvl 5"], 15.41)
        XCTAssertEqual(baseline.delta(baseline.rows[3])!, 0.21, accuracy: 1e-9)
        XCTAssertNil(baseline.delta(baseline.rows[0]))
    }

    /// Every row names a known arm, and in an experiment that ran every arm each row resolves;
    /// best/worst public are the public-mix arms with the highest/lowest general-average Δ.
    func testEveryRowMapsToAnArm() throws {
        let baseline = try Fixture.baseline()
        for row in baseline.rows { XCTAssertTrue(PaperBaseline.knownArms.contains(row.arm), row.arm) }
        typealias E = Fixture.Effect
        let analysis = try Fixture.analysis(arms: [
            ("public-mix:publicA", E(generalForget: 0.06, generalLearn: 0.03, domainForget: 0.03, domainLearn: 0.3)),
            ("public-mix:publicB", E(generalForget: 0.20, generalLearn: 0.02, domainForget: 0.03, domainLearn: 0.3)),
            ("reconstructed-mix", E(generalForget: 0.04, generalLearn: 0.03, domainForget: 0.03, domainLearn: 0.28)),
            ("one-model-one-response", E(generalForget: 0.08, generalLearn: 0.03, domainForget: 0.03, domainLearn: 0.28)),
            ("one-model-three-self-judged", E(generalForget: 0.06, generalLearn: 0.03, domainForget: 0.03, domainLearn: 0.28)),
        ], itemsPerBenchmark: 60)
        let resolved = baseline.rows.map { baseline.resolvedArm($0, in: analysis) }
        XCTAssertEqual(resolved, ["instruct", "public-mix:publicA", "public-mix:publicB", "reconstructed-mix",
                                  "one-model-one-response", "one-model-three-self-judged", "reconstructed-mix"])
        let markdown = MarkdownReport.render(analysis, paper: baseline)
        XCTAssertFalse(markdown.contains("not run"))

        // In the two-arm fixture both placeholders fall on its only public-mix arm, ablations are "not run".
        let small = try Fixture.analysis()
        XCTAssertEqual(baseline.resolvedArm(baseline.rows[1], in: small), "public-mix:publicA")
        XCTAssertEqual(baseline.resolvedArm(baseline.rows[2], in: small), "public-mix:publicA")
        XCTAssertNil(baseline.resolvedArm(baseline.rows[4], in: small))
    }

    func testRoundTripsThroughJSON() throws {
        let baseline = try Fixture.baseline()
        XCTAssertEqual(try PaperBaseline.decode(JSONEncoder().encode(baseline)), baseline)
    }
}
