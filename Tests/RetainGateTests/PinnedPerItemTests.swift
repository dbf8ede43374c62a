import Foundation
import RetainAnalysis
import RetainCore
import RetainGate
import XCTest

/// Format-2 pinned files: per-item outcomes, checked record by record with exact McNemar and Holm.
///
/// `Synthetic.threeSeedsWithItems()` has 20 records: instruct on general (200 items, the even ids
/// right) and domain (100 items), and 3 arms × 3 seeds × 2 benchmarks. The tests pin it, then
/// change the current outcomes of one record by a known number of flips.
final class PinnedPerItemTests: XCTestCase {
    func yaml(_ fields: String) -> String { "budgets:\n  - name: matches pinned\n    pinned: {file: p.json, \(fields)}\n" }

    func evaluate(_ yaml: String, pinned: PinnedResults, analysis: ExperimentAnalysis, items: [ItemOutcomeRecord]?) throws -> RuleResult {
        let budget = try BudgetParser.parse(yaml: yaml, file: "budget.yaml")
        let result = try Gate.evaluate(budget, analysis: analysis, items: items) { path in
            XCTAssertEqual(path, "p.json")
            return pinned
        }
        XCTAssertEqual(result.rules.count, 1)
        XCTAssertEqual(result.exitCode, result.rules[0].passed ? 0 : 1)
        return result.rules[0]
    }

    /// Pins the synthetic analysis (format 2) and returns it with the analysis and its items.
    func pinned() throws -> (PinnedResults, ExperimentAnalysis, [ItemOutcomeRecord]) {
        let (analysis, items) = try Synthetic.threeSeedsWithItems()
        return (try PinnedResults(from: analysis, items: items, createdBy: "test"), analysis, items)
    }

    /// Flips the first `down` right items of a record to wrong and the first `up` wrong items to
    /// right (in item-id order); returns the ids flipped down.
    @discardableResult
    func flip(_ items: inout [ItemOutcomeRecord], arm: String, seed: Int?, benchmark: String, down: Int = 0, up: Int = 0) -> [String] {
        let i = items.firstIndex { $0.arm == arm && $0.seed == seed && $0.benchmark == benchmark }!
        var (d, u) = (0, 0)
        var flipped: [String] = []
        for j in items[i].outcomes.indices {
            if items[i].outcomes[j].correct, d < down {
                items[i].outcomes[j].correct = false; d += 1; flipped.append(items[i].outcomes[j].itemID)
            } else if !items[i].outcomes[j].correct, u < up {
                items[i].outcomes[j].correct = true; u += 1
            }
        }
        XCTAssertEqual([d, u], [down, up], "not enough items to flip")
        return flipped
    }

    // MARK: The file

    func testPinningWritesFormat2WithOneRecordPerArmSeedBenchmarkVariant() throws {
        let (pinned, analysis, _) = try pinned()
        XCTAssertEqual(pinned.format, 2)
        XCTAssertEqual(pinned.entries, try PinnedResults(from: analysis).entries, "format 2 keeps format 1's entries")
        XCTAssertEqual(pinned.records.count, 20)
        XCTAssertEqual(pinned.records.prefix(4).map(\.label), ["instruct/domain/mc", "instruct/general/mc",
                                                              "domain-only/seed 1/domain/mc", "domain-only/seed 1/general/mc"])
        let instruct = try XCTUnwrap(pinned.record(arm: "instruct", seed: nil, benchmark: "general", variant: .mc))
        XCTAssertEqual(instruct.items.count, 200)
        XCTAssertEqual(instruct.items.first, "general-arith-000")
        XCTAssertEqual(instruct.items, instruct.items.sorted())
        XCTAssertEqual(instruct.correctText, String(repeating: "10", count: 100))
        // reconstructed-mix seed 1 forgets the first 8 right arith items (000, 002, ..., 014).
        let r = try XCTUnwrap(pinned.record(arm: "reconstructed-mix", seed: 1, benchmark: "general", variant: .mc))
        XCTAssertEqual(r.correctText, String(repeating: "0", count: 16) + String(repeating: "10", count: 92))
        // Each record's accuracy is its entry's seed value: (100 − 8) / 200 right.
        XCTAssertEqual(Double(r.correct.filter { $0 }.count) / 200, 0.46)
    }

    func testFormat2RoundTripsAndIsDeterministic() throws {
        let (pinned, analysis, items) = try pinned()
        let data = try pinned.encoded()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"format\" : 2"), text)
        XCTAssertTrue(text.contains("\"correct\" : \"" + String(repeating: "10", count: 100) + "\""))
        // Ids once per benchmark, not per record: 300 ids, each listed exactly once.
        XCTAssertEqual(text.components(separatedBy: "\"general-arith-042\"").count - 1, 1)
        XCTAssertEqual(text.components(separatedBy: "\"domain-dom-042\"").count - 1, 1)
        XCTAssertEqual(try PinnedResults.decode(data, file: "p.json"), pinned)
        // Same run, same bytes, whatever the order the records arrive in.
        let again = try PinnedResults(from: analysis, items: items.reversed(), createdBy: "test")
        XCTAssertEqual(try again.encoded(), data)

        // A record whose items differ from its benchmark's list carries its own (and round-trips).
        var odd = pinned
        let i = try XCTUnwrap(odd.records.firstIndex { $0.label == "reconstructed-mix/seed 2/domain/mc" })
        odd.records[i].items.removeLast()
        odd.records[i].correct.removeLast()
        let oddData = try odd.encoded()
        XCTAssertEqual(String(decoding: oddData, as: UTF8.self).components(separatedBy: "\"domain-dom-042\"").count - 1, 2)
        XCTAssertEqual(try PinnedResults.decode(oddData, file: "p.json"), odd)
    }

    func testMalformedFormat2NamesTheFileAndField() throws {
        func error(_ records: String, items: String = #"{"general": ["a", "b", "c", "d"]}"#, format: Int = 2) -> String {
            let json = #"{"format": \#(format), "experiment": "e", "seeds": [1], "createdBy": "me", "entries": [], "#
                + #""items": \#(items), "records": [\#(records)]}"#
            do {
                _ = try PinnedResults.decode(Data(json.utf8), file: "baselines/p.json")
                XCTFail("decoded: \(json)")
                return ""
            } catch let error as GateError {
                return "\(error)"
            } catch {
                XCTFail("\(error)")
                return ""
            }
        }
        let good = #"{"arm": "instruct", "benchmark": "general", "variant": "mc", "correct": "1010"}"#
        XCTAssertEqual(error(#"{"arm": "instruct", "benchmark": "general", "variant": "mc", "correct": "101"}"#),
                       "baselines/p.json: pinned results: records[0].correct: 3 characters for the 4 item ids of items.general; expected one 0 or 1 per item")
        XCTAssertEqual(error(good + #", {"arm": "x", "seed": 1, "benchmark": "general", "variant": "mc", "correct": "10101"}"#),
                       "baselines/p.json: pinned results: records[1].correct: 5 characters for the 4 item ids of items.general; expected one 0 or 1 per item")
        XCTAssertEqual(error(good + #", {"arm": "x", "seed": 1, "benchmark": "general", "variant": "mc", "correct": "1x01"}"#),
                       "baselines/p.json: pinned results: records[1].correct: character 2 is \"x\"; expected only 0 (wrong) and 1 (right)")
        XCTAssertEqual(error(#"{"arm": "x", "seed": 1, "benchmark": "general", "variant": "mc", "items": ["a", "b"], "correct": "1"}"#),
                       "baselines/p.json: pinned results: records[0].correct: 1 characters for the 2 item ids of records[0].items; expected one 0 or 1 per item")
        XCTAssertTrue(error(#"{"arm": "x", "benchmark": "general", "variant": "mc", "correct": 1010}"#)
            .hasPrefix("baselines/p.json: pinned results: records[0].correct: "))
        XCTAssertEqual(error(good, items: #"{"general": ["b", "a"]}"#),
                       "baselines/p.json: pinned results: items.general: ids must be unique and in ascending order, found \"a\" after \"b\"")
        XCTAssertEqual(error(#"{"arm": "x", "seed": 1, "benchmark": "domain", "variant": "mc", "correct": "1"}"#),
                       "baselines/p.json: pinned results: records[0]: no item ids for benchmark \"domain\" (neither records[0].items nor items.domain is given)")
        XCTAssertEqual(error(good + ", " + good),
                       "baselines/p.json: pinned results: records[1]: the record instruct/general/mc appears more than once")
        XCTAssertEqual(error(good, format: 1),
                       "baselines/p.json: pinned results: records: per-item outcomes need format 2, but the file says format 1")
        XCTAssertTrue(error(good, format: 3).hasPrefix("baselines/p.json: pinned results: format 3 is not supported (this retain reads formats 1 and 2"))

        let noRecords = #"{"format": 2, "experiment": "e", "seeds": [1], "createdBy": "me", "entries": []}"#
        XCTAssertThrowsError(try PinnedResults.decode(Data(noRecords.utf8), file: "p.json")) { error in
            XCTAssertEqual("\(error)", "p.json: pinned results: missing key \"records\" (format 2 holds per-item records)")
        }
        // A newer format is refused before its (unknown) shape is looked at.
        let future = #"{"format": 7, "whatever": true}"#
        XCTAssertThrowsError(try PinnedResults.decode(Data(future.utf8), file: "p.json")) { error in
            XCTAssertTrue("\(error)".hasPrefix("p.json: pinned results: format 7 is not supported"), "\(error)")
        }
    }

    // MARK: The check

    func testIdenticalOutcomesPass() throws {
        let (pinned, analysis, items) = try pinned()
        let rule = try evaluate(yaml("alpha: 0.05, max_points: 2"), pinned: pinned, analysis: analysis, items: items)
        XCTAssertTrue(rule.passed)
        XCTAssertEqual(rule.measured, 0)
        XCTAssertEqual(rule.threshold, 2)
        XCTAssertEqual(rule.margin, 2)
        XCTAssertEqual(rule.message, "PASS matches pinned: all 20 pinned records hold (alpha 0.05, Holm across 20 records; max 2.00 pts): "
                       + "20 of 20 records checked, 20 identical item by item; largest |Δ| 0.00 pts; smallest p 1 (Holm 1)")
        XCTAssertEqual(rule.details, [])
    }

    func testAFewFlipsPassWhenNotSignificantAndUnderMaxPoints() throws {
        let (pinned, analysis, items) = try pinned()
        var now = items
        flip(&now, arm: "reconstructed-mix", seed: 1, benchmark: "general", down: 3)   // Δ −1.5 pts, p = 2 · 0.5³ = 0.25
        flip(&now, arm: "domain-only", seed: 2, benchmark: "general", down: 6, up: 6)   // Δ 0, p = 1
        let rule = try evaluate(yaml("max_points: 2"), pinned: pinned, analysis: analysis, items: now)
        XCTAssertTrue(rule.passed, rule.message)
        XCTAssertEqual(rule.measured!, 1.5, accuracy: 1e-12)
        XCTAssertEqual(rule.margin!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(rule.message, "PASS matches pinned: all 20 pinned records hold (alpha 0.05, Holm across 20 records; max 2.00 pts): "
                       + "20 of 20 records checked, 18 identical item by item; largest |Δ| 1.50 pts on reconstructed-mix/seed 1/general/mc; "
                       + "smallest p 0.25 (Holm 1) on reconstructed-mix/seed 1/general/mc")
    }

    func testHolmKeepsARawlySignificantRecordFromFailing() throws {
        let (pinned, analysis, items) = try pinned()
        var now = items
        flip(&now, arm: "reconstructed-mix", seed: 3, benchmark: "general", down: 7)   // p = 2 · 0.5⁷ = 0.0156; × 20 = 0.3125
        let rule = try evaluate(yaml("max_points: 10"), pinned: pinned, analysis: analysis, items: now)
        XCTAssertTrue(rule.passed, rule.message)
        XCTAssertTrue(rule.message.hasSuffix("smallest p 0.0156 (Holm 0.313) on reconstructed-mix/seed 3/general/mc"), rule.message)
    }

    func testManyFlipsInOneDirectionFailAsSignificant() throws {
        let (pinned, analysis, items) = try pinned()
        var now = items
        flip(&now, arm: "reconstructed-mix", seed: 1, benchmark: "general", down: 12)  // Δ −6 pts, p = 2 · 0.5¹² = 0.000488; Holm × 20
        let rule = try evaluate(yaml("alpha: 0.05, max_points: 10"), pinned: pinned, analysis: analysis, items: now)
        XCTAssertFalse(rule.passed)
        XCTAssertEqual(rule.measured!, 6, accuracy: 1e-12)
        XCTAssertEqual(rule.margin!, 4, accuracy: 1e-12, "within max_points, failed on significance alone")
        let record = "reconstructed-mix/seed 1/general/mc: Δ −6.00 pts (n10 12, n01 0 of 200 items), McNemar p 0.000488, Holm p 0.00977: "
            + "significant change (Holm p < 0.05); |Δ| within the 10.00-pt max"
        XCTAssertEqual(rule.message, "FAIL matches pinned: 1 of 20 pinned records changed (alpha 0.05, Holm across 20 records; max 10.00 pts); worst: " + record)
        XCTAssertEqual(rule.details.first, record)
        XCTAssertEqual(rule.details.last, "summary: 20 of 20 records checked, 19 identical item by item; largest |Δ| 6.00 pts on "
                       + "reconstructed-mix/seed 1/general/mc; smallest p 0.000488 (Holm 0.00977) on reconstructed-mix/seed 1/general/mc")
        // The same 12 flips split both ways cancel out: not significant, Δ 0.
        var balanced = items
        flip(&balanced, arm: "reconstructed-mix", seed: 1, benchmark: "general", down: 6, up: 6)
        XCTAssertTrue(try evaluate(yaml("max_points: 10"), pinned: pinned, analysis: analysis, items: balanced).passed)
    }

    func testDeltaBeyondMaxPointsFailsEvenWhenNotSignificant() throws {
        let (pinned, analysis, items) = try pinned()
        var now = items
        flip(&now, arm: "reconstructed-mix", seed: 1, benchmark: "domain", down: 4)    // 100 items: Δ −4 pts, p = 0.125
        let rule = try evaluate(yaml("max_points: 2"), pinned: pinned, analysis: analysis, items: now)
        XCTAssertFalse(rule.passed)
        XCTAssertEqual(rule.measured!, 4, accuracy: 1e-12)
        XCTAssertEqual(rule.margin!, -2, accuracy: 1e-12)
        XCTAssertEqual(rule.details.first, "reconstructed-mix/seed 1/domain/mc: Δ −4.00 pts (n10 4, n01 0 of 100 items), McNemar p 0.125, Holm p 1: "
                       + "|Δ| over the 2.00-pt max by 2.00 pts (not significant: Holm p ≥ 0.05)")
        // tolerance_points is the same bound under its format-1 name.
        XCTAssertEqual(try evaluate(yaml("tolerance_points: 2"), pinned: pinned, analysis: analysis, items: now), rule)
        XCTAssertTrue(try evaluate(yaml("max_points: 4"), pinned: pinned, analysis: analysis, items: now).passed)
    }

    func testExactFailsOnASingleFlip() throws {
        let (pinned, analysis, items) = try pinned()
        let same = try evaluate(yaml("exact: true"), pinned: pinned, analysis: analysis, items: items)
        XCTAssertEqual(same.message, "PASS matches pinned: all 20 pinned records hold (exact: every item must match): "
                       + "20 of 20 records checked, 20 identical item by item; largest |Δ| 0.00 pts; smallest p 1 (Holm 1)")
        XCTAssertEqual([same.measured, same.threshold, same.margin], [0, 0, 0])
        XCTAssertEqual(same.margin?.sign, .plus)
        var now = items
        // reconstructed-mix seed 2 already forgot arith 000...018; 020 is its first right item.
        XCTAssertEqual(flip(&now, arm: "reconstructed-mix", seed: 2, benchmark: "general", down: 1), ["general-arith-020"])
        let rule = try evaluate(yaml("exact: true"), pinned: pinned, analysis: analysis, items: now)
        XCTAssertFalse(rule.passed)
        XCTAssertEqual(rule.measured!, 0.5, accuracy: 1e-12)   // 1 of 200 items changed
        XCTAssertEqual(rule.threshold, 0)
        XCTAssertEqual(rule.margin!, -0.5, accuracy: 1e-12)
        XCTAssertEqual(rule.details.first, "reconstructed-mix/seed 2/general/mc: Δ −0.50 pts (n10 1, n01 0 of 200 items), McNemar p 1, Holm p 1: "
                       + "differs (exact: true requires every item to match; e.g. \"general-arith-020\" was right, now wrong)")
        // Two flips that cancel (Δ 0) still fail.
        var cancelling = items
        flip(&cancelling, arm: "instruct", seed: nil, benchmark: "domain", down: 1, up: 1)
        let both = try evaluate(yaml("exact: true"), pinned: pinned, analysis: analysis, items: cancelling)
        XCTAssertFalse(both.passed)
        XCTAssertTrue(both.message.contains("worst: instruct/domain/mc: Δ +0.00 pts (n10 1, n01 1 of 100 items)"), both.message)
    }

    func testMissingAndExtraRecordsAndItems() throws {
        let (pinned, analysis, items) = try pinned()
        var now = items
        // A pinned item gone from instruct's general record, a record gone, an item and a record the pin lacks.
        let g = now.firstIndex { $0.arm == "instruct" && $0.benchmark == "general" }!
        now[g].outcomes.removeAll { $0.itemID == "general-facts-050" }
        now.removeAll { $0.arm == "reconstructed-mix" && $0.seed == 3 && $0.benchmark == "domain" }
        let d = now.firstIndex { $0.arm == "domain-only" && $0.seed == 1 && $0.benchmark == "domain" }!
        now[d].outcomes.append(ItemOutcome(itemID: "domain-dom-999", family: "dom", correct: true))
        now.append(ItemOutcomeRecord(arm: "domain-only", seed: 4, benchmark: "domain", variant: .mc, outcomes: now[d].outcomes))
        var withArm = pinned
        withArm.records.append(.init(arm: "oracle-replay", seed: 1, benchmark: "general", variant: .mc, items: ["general-arith-000"], correct: [true]))

        let rule = try evaluate(yaml("max_points: 2"), pinned: withArm, analysis: analysis, items: now)
        XCTAssertFalse(rule.passed)
        XCTAssertEqual(rule.message, "FAIL matches pinned: 2 of 21 pinned records missing from the analysis, 1 with pinned items missing; "
                       + "the items compared hold (alpha 0.05, Holm across 19 records; max 2.00 pts)")
        XCTAssertEqual(rule.details, [
            "instruct/general/mc: 1 of 200 pinned items missing now (e.g. \"general-facts-050\")",
            "missing reconstructed-mix/seed 3/domain/mc (100 pinned items): no mc results on \"domain\" at seed 3",
            "missing oracle-replay/seed 1/general/mc (1 pinned item): arm not in the analysis",
            "summary: 19 of 21 records checked, 18 identical item by item; largest |Δ| 0.00 pts; smallest p 1 (Holm 1)",
            "note: 1 record has items the pin lacks, not compared (e.g. \"domain-dom-999\" in domain-only/seed 1/domain/mc)",
            "note: 1 record of the experiment not pinned, not checked (e.g. domain-only/seed 4/domain/mc)",
        ])
    }

    func testFormat2WithoutPerItemOutcomesIsADataError() throws {
        let (pinned, analysis, _) = try pinned()
        XCTAssertThrowsError(try evaluate(yaml("max_points: 2"), pinned: pinned, analysis: analysis, items: nil)) { error in
            guard case GateError.missingData(let location, let budget, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(location, "budget.yaml:2:5")
            XCTAssertEqual(budget, "matches pinned")
            XCTAssertEqual(message, "p.json pins per-item outcomes (format 2), but the gate was given none of the experiment's")
        }
    }

    // MARK: Format 1 still works

    func testFormat1FilesAreCheckedOnMeans() throws {
        let (analysis, items) = try Synthetic.threeSeedsWithItems()
        // A format-1 file as written before format 2: reconstructed-mix general pinned 2 pts above now (45.5%).
        let json = """
        {
          "createdBy" : "retain gate --pin",
          "entries" : [
            { "arm" : "instruct", "benchmark" : "general", "meanAccuracy" : 0.5, "seeds" : 1, "variant" : "mc" },
            { "arm" : "reconstructed-mix", "benchmark" : "general", "meanAccuracy" : 0.475, "sd" : 0.005, "seeds" : 3, "variant" : "mc" }
          ],
          "experiment" : "synthetic",
          "format" : 1,
          "preset" : "quick",
          "seeds" : [ 1, 2, 3 ]
        }
        """
        let pinned = try PinnedResults.decode(Data(json.utf8), file: "p.json")
        XCTAssertEqual(pinned.format, 1)
        XCTAssertEqual(pinned.records, [])
        // Per-item outcomes are there but a format-1 file only checks means, with max_points or tolerance_points.
        for fields in ["tolerance_points: 1", "max_points: 1", "max_points: 1, alpha: 0.01"] {
            let rule = try evaluate(yaml(fields), pinned: pinned, analysis: analysis, items: items)
            XCTAssertEqual(rule.message, "FAIL matches pinned: reconstructed-mix/general/mc is 2.00 pts from its pinned accuracy, "
                           + "beyond the 1.00-pt tolerance by 1.00 pts (1 of 2 entries off)", fields)
            XCTAssertEqual(rule.margin!, -1, accuracy: 1e-9)
        }
        XCTAssertTrue(try evaluate(yaml("max_points: 2"), pinned: pinned, analysis: analysis, items: nil).passed)
        // Re-encoding a format-1 file writes format 1 (no items, no records).
        let text = String(decoding: try pinned.encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains("\"format\" : 1") && !text.contains("records") && !text.contains("\"items\""), text)
        // exact needs per-item outcomes.
        XCTAssertThrowsError(try evaluate(yaml("exact: true"), pinned: pinned, analysis: analysis, items: items)) { error in
            XCTAssertEqual("\(error)", "budget.yaml:2:5: budget \"matches pinned\": budgets[0].pinned.exact: exact: true compares per-item "
                           + "outcomes, but p.json is format 1 (mean accuracies only); re-pin it with retain gate --pin, or give max_points")
        }
    }

    // MARK: Budget syntax

    func testPinnedRuleSyntax() throws {
        func parsed(_ fields: String) throws -> PinnedRule? {
            guard case .pinned(let r) = try BudgetParser.parse(yaml: yaml(fields), file: "b.yaml").budgets[0].rule else { return nil }
            return r
        }
        XCTAssertEqual(try parsed("alpha: 0.01, max_points: 2.5"), PinnedRule(file: "p.json", check: .statistical(alpha: 0.01, maxPoints: 2.5)))
        XCTAssertEqual(try parsed("max_points: 2"), PinnedRule(file: "p.json", check: .statistical(alpha: 0.05, maxPoints: 2)))
        XCTAssertEqual(try parsed("tolerance_points: 2"), PinnedRule(file: "p.json", maxPoints: 2))
        XCTAssertEqual(try parsed("exact: true"), PinnedRule(file: "p.json", check: .exact))
        XCTAssertEqual(try parsed("exact: false, max_points: 1"), PinnedRule(file: "p.json", maxPoints: 1))

        func error(_ fields: String) -> String {
            do {
                _ = try BudgetParser.parse(yaml: yaml(fields), file: "b.yaml")
                XCTFail("parsed: \(fields)")
                return ""
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(error("exact: true, max_points: 2"),
                       "b.yaml:3:41: budgets[0].pinned.max_points: exact: true requires every item to match, so max_points does not apply; remove it (or set exact: false)")
        XCTAssertEqual(error("max_points: 2, tolerance_points: 2"),
                       "b.yaml:3:43: budgets[0].pinned.tolerance_points: tolerance_points is another spelling of max_points; give one of them")
        XCTAssertTrue(error("alpha: 0.05").hasPrefix("b.yaml:3:13: budgets[0].pinned.max_points: missing required key (expected a number of points "
                                                     + "in 0...100 (the largest allowed |Δ| per pinned record), or exact: true)"), error("alpha: 0.05"))
        XCTAssertEqual(error("exact: \"yes\""), "b.yaml:3:35: budgets[0].pinned.exact: expected true or false, found \"yes\"")
        XCTAssertTrue(error("alpha: 0.7, max_points: 2").hasPrefix("b.yaml:3:35: budgets[0].pinned.alpha: expected a number in (0, 0.5], found 0.7"),
                      error("alpha: 0.7, max_points: 2"))
        XCTAssertTrue(error("max_point: 2").contains("did you mean \"max_points\"?"))
    }
}
