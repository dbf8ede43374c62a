import Foundation
import RetainAnalysis
import RetainCore
import RetainGate
import XCTest

final class PinnedResultsTests: XCTestCase {
    let yaml = "budgets:\n  - name: matches pinned\n    pinned: {file: baselines/quick-pinned.json, tolerance_points: 1}\n"

    func evaluate(_ pinned: PinnedResults, _ analysis: ExperimentAnalysis) throws -> GateResult {
        var requested: [String] = []
        let result = try Gate.evaluate(try BudgetParser.parse(yaml: yaml, file: "budget.yaml"), analysis: analysis) { path in
            requested.append(path)
            return pinned
        }
        XCTAssertEqual(requested, ["baselines/quick-pinned.json"])
        return result
    }

    func testPinningAnAnalysis() throws {
        let a = try Synthetic.threeSeeds()
        let pinned = try PinnedResults(from: a, createdBy: "test")
        XCTAssertEqual(pinned.experiment, "synthetic")
        XCTAssertEqual(pinned.preset, "quick")
        XCTAssertEqual(pinned.seeds, [1, 2, 3])
        XCTAssertEqual(pinned.createdBy, "test")
        // instruct + 3 arms, 2 benchmarks, 1 variant; arms in analysis order.
        XCTAssertEqual(pinned.entries.count, 8)
        XCTAssertEqual(pinned.entries.map(\.arm), ["instruct", "instruct", "domain-only", "domain-only",
                                                   "public-mix:publicA", "public-mix:publicA", "reconstructed-mix", "reconstructed-mix"])
        // reconstructed-mix general: 50% − 4, 5, 4.5 pts → mean 45.5%, sd 0.5 pts.
        let entry = try XCTUnwrap(pinned.entry(arm: "reconstructed-mix", benchmark: "general", variant: .mc))
        XCTAssertEqual(entry.meanAccuracy, 0.455, accuracy: 1e-12)
        XCTAssertEqual(entry.sd!, 0.005, accuracy: 1e-12)
        XCTAssertEqual(entry.seeds, 3)
        XCTAssertEqual(pinned.entry(arm: "instruct", benchmark: "domain", variant: .mc)?.meanAccuracy, 0.5)
    }

    func testJSONRoundTripAndErrorsNameTheFile() throws {
        let pinned = try PinnedResults(from: try Synthetic.threeSeeds())
        let data = try pinned.encoded()
        XCTAssertEqual(try PinnedResults.decode(data, file: "p.json"), pinned)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"createdBy\" : \"retain gate --pin\""))

        XCTAssertThrowsError(try PinnedResults.decode(Data("{not json".utf8), file: "baselines/x.json")) { error in
            XCTAssertTrue("\(error)".hasPrefix("baselines/x.json: pinned results: not valid JSON"), "\(error)")
        }
        let noEntries = #"{"format": 1, "experiment": "e", "seeds": [1], "createdBy": "me"}"#
        XCTAssertThrowsError(try PinnedResults.decode(Data(noEntries.utf8), file: "p.json")) { error in
            XCTAssertEqual("\(error)", "p.json: pinned results: missing key \"entries\"")
        }
        let badVariant = #"{"format": 1, "experiment": "e", "seeds": [1], "createdBy": "me", "entries": [{"arm": "a", "benchmark": "b", "variant": "mcx", "meanAccuracy": 0.5, "seeds": 1}]}"#
        XCTAssertThrowsError(try PinnedResults.decode(Data(badVariant.utf8), file: "p.json")) { error in
            XCTAssertTrue("\(error)".hasPrefix("p.json: pinned results: entries[0].variant:"), "\(error)")
        }
        let future = #"{"format": 3, "experiment": "e", "seeds": [1], "createdBy": "me", "entries": []}"#
        XCTAssertThrowsError(try PinnedResults.decode(Data(future.utf8), file: "p.json")) { error in
            XCTAssertTrue("\(error)".contains("format 3 is not supported"), "\(error)")
        }
        XCTAssertThrowsError(try PinnedResults.load(path: "/nonexistent/pinned.json")) { error in
            guard case GateError.pinnedFile(let file, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "/nonexistent/pinned.json")
        }
    }

    func testLoaderResolvesRelativePaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retain-gate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("baselines"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pinned = try PinnedResults(from: try Synthetic.threeSeeds())
        try pinned.encoded().write(to: dir.appendingPathComponent("baselines/quick-pinned.json"))
        let load = PinnedResults.loader(relativeTo: dir.path)
        XCTAssertEqual(try load("baselines/quick-pinned.json"), pinned)
    }

    func testWithinTolerancePasses() throws {
        let a = try Synthetic.threeSeeds()
        let result = try evaluate(try PinnedResults(from: a), a)
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertEqual(result.rules[0].measured!, 0, accuracy: 1e-9)
        XCTAssertEqual(result.rules[0].margin!, 1, accuracy: 1e-9)
        XCTAssertTrue(result.rules[0].message.hasPrefix("PASS matches pinned: all 8 pinned entries within the 1.00-pt tolerance"),
                      result.rules[0].message)
        XCTAssertEqual(result.rules[0].details, [])
    }

    func testOutsideTolerancePinsTheWorstEntry() throws {
        let a = try Synthetic.threeSeeds()
        var pinned = try PinnedResults(from: a)
        let i = try XCTUnwrap(pinned.entries.firstIndex { $0.arm == "reconstructed-mix" && $0.benchmark == "general" })
        pinned.entries[i].meanAccuracy = 0.475          // analysis 45.5%: 2 pts below the pin
        let j = try XCTUnwrap(pinned.entries.firstIndex { $0.arm == "domain-only" && $0.benchmark == "domain" })
        pinned.entries[j].meanAccuracy += 0.005          // 0.5 pts off: within the 1-pt tolerance
        let result = try evaluate(pinned, a)
        XCTAssertEqual(result.exitCode, 1)
        let rule = result.rules[0]
        XCTAssertEqual(rule.measured!, 2, accuracy: 1e-9)
        XCTAssertEqual(rule.margin!, -1, accuracy: 1e-9)
        XCTAssertEqual(rule.message, "FAIL matches pinned: reconstructed-mix/general/mc is 2.00 pts from its pinned accuracy, "
                       + "beyond the 1.00-pt tolerance by 1.00 pts (1 of 8 entries off)")
        XCTAssertEqual(rule.details, ["reconstructed-mix/general/mc: 45.50% vs pinned 47.50% (−2.00 pts), beyond the tolerance by 1.00 pts"])
    }

    func testMissingArmIsAFailureNotAnError() throws {
        let a = try Synthetic.threeSeeds()
        var pinned = try PinnedResults(from: a)
        pinned.entries.append(.init(arm: "oracle-replay", benchmark: "general", variant: .mc, meanAccuracy: 0.49, sd: nil, seeds: 3))
        pinned.experiment = "quick-paper-table"
        let result = try evaluate(pinned, a)
        XCTAssertEqual(result.exitCode, 1)
        let rule = result.rules[0]
        XCTAssertEqual(rule.margin!, 1, accuracy: 1e-9)   // everything present matches exactly
        XCTAssertTrue(rule.message.hasPrefix("FAIL matches pinned: 1 of 9 pinned entries missing from the analysis"), rule.message)
        XCTAssertEqual(rule.details.first, "missing oracle-replay/general/mc (pinned 49.00%): arm not in the analysis")
        XCTAssertTrue(rule.details.last!.hasPrefix("note: pinned from experiment quick-paper-table"), rule.details.last!)
    }

    func testEmptyPinnedFileIsADataError() throws {
        let a = try Synthetic.threeSeeds()
        var pinned = try PinnedResults(from: a)
        pinned.entries = []
        XCTAssertThrowsError(try evaluate(pinned, a)) { error in
            XCTAssertEqual(error as? GateError, .pinnedFile(file: "baselines/quick-pinned.json", message: "has no entries to check"))
        }
    }
}
