import Foundation
import RetainAnalysis
import RetainGate
import XCTest

final class BudgetParserTests: XCTestCase {
    /// Parses `yaml` expecting a BudgetError; fails the test if it parses.
    func parseError(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> BudgetError? {
        do {
            _ = try BudgetParser.parse(yaml: yaml, file: "budget.yaml")
            XCTFail("expected a BudgetError", file: file, line: line)
            return nil
        } catch let error as BudgetError {
            return error
        } catch {
            XCTFail("expected a BudgetError, got \(error)", file: file, line: line)
            return nil
        }
    }

    func testParsesEveryRuleKindWithDefaults() throws {
        let yaml = """
        experiment: quick-paper-table
        variant: gen
        budgets:
          - name: keeps general
            general_forgetting: {arm: reconstructed-mix, max_points: 3}
          - name: gains
            domain_gain: {arm: reconstructed-mix, min_points: 5.5, variant: mc}
          - name: not worse
            not_worse: {arm: reconstructed-mix, than: "public-mix:publicA"}
          - name: families
            family_forgetting: {arm: reconstructed-mix, max_points: 15, metric: Fadj, benchmark: arith-bench}
          - name: pinned
            pinned: {file: baselines/quick-pinned.json, tolerance_points: 5}
        """
        let budget = try BudgetParser.parse(yaml: yaml, file: "b.yaml")
        XCTAssertEqual(budget.experiment, "quick-paper-table")
        XCTAssertEqual(budget.variant, .gen)
        XCTAssertEqual(budget.budgets.map(\.name), ["keeps general", "gains", "not worse", "families", "pinned"])
        XCTAssertEqual(budget.budgets[0].rule, .generalForgetting(GeneralForgettingRule(arm: "reconstructed-mix", maxPoints: 3, alpha: 0.05, variant: .gen)))
        XCTAssertEqual(budget.budgets[1].rule, .domainGain(DomainGainRule(arm: "reconstructed-mix", minPoints: 5.5, benchmark: .kind(.domain), variant: .mc)))
        XCTAssertEqual(budget.budgets[2].rule, .notWorse(NotWorseRule(arm: "reconstructed-mix", than: "public-mix:publicA",
                                                                       benchmark: .kind(.general), tolerancePoints: 0, variant: .gen)))
        XCTAssertEqual(budget.budgets[3].rule, .familyForgetting(FamilyForgettingRule(arm: "reconstructed-mix", maxPoints: 15, metric: .Fadj,
                                                                                      benchmark: .named("arith-bench"), variant: .gen)))
        XCTAssertEqual(budget.budgets[4].rule, .pinned(PinnedRule(file: "baselines/quick-pinned.json", tolerancePoints: 5)))
        XCTAssertEqual(budget.budgets[2].location, SourceLocation(file: "b.yaml", line: 8, column: 5))
        XCTAssertEqual(budget.budgets[2].path, "budgets[2]")
    }

    func testUnknownKeyNamesLineColumnPathAndSuggestion() {
        let yaml = "variant: mc\nbudgets:\n  - name: a\n    general_forgetting:\n      arm: reconstructed-mix\n      max_point: 3\n"
        guard let error = parseError(yaml) else { return }
        XCTAssertEqual(error.kind, .unknownKey)
        XCTAssertEqual(error.line, 6)
        XCTAssertEqual(error.column, 7)
        XCTAssertEqual(error.path, "budgets[0].general_forgetting.max_point")
        XCTAssertTrue(error.description.hasPrefix("budget.yaml:6:7: budgets[0].general_forgetting.max_point: unknown key; did you mean \"max_points\"?"),
                      error.description)
        XCTAssertTrue(error.message.contains("arm, max_points, alpha, variant"), error.message)
    }

    func testUnknownTopLevelKey() {
        guard let error = parseError("experiment: x\nbudget:\n  - name: a\n") else { return }
        XCTAssertEqual(error.kind, .unknownKey)
        XCTAssertEqual(error.line, 2)
        XCTAssertTrue(error.message.contains("did you mean \"budgets\"?"), error.message)
    }

    func testWrongTypeNamesLineAndExpectedRange() {
        let yaml = "budgets:\n  - name: a\n    general_forgetting:\n      arm: reconstructed-mix\n      max_points: three\n"
        guard let error = parseError(yaml) else { return }
        XCTAssertEqual(error.kind, .wrongType)
        XCTAssertEqual(error.line, 5)
        XCTAssertEqual(error.column, 19)
        XCTAssertEqual(error.description, "budget.yaml:5:19: budgets[0].general_forgetting.max_points: expected a number in 0...100, found \"three\"")
    }

    func testQuotedNumberAndOutOfRangeAreRejected() {
        let quotedNumber = "budgets:\n  - name: a\n    domain_gain: {arm: x, min_points: \"5\"}\n"
        XCTAssertEqual(parseError(quotedNumber)?.kind, .wrongType)
        let alpha = "budgets:\n  - name: a\n    general_forgetting: {arm: x, max_points: 3, alpha: 0.9}\n"
        guard let error = parseError(alpha) else { return }
        XCTAssertEqual(error.kind, .outOfRange)
        XCTAssertEqual(error.line, 3)
        XCTAssertEqual(error.path, "budgets[0].general_forgetting.alpha")
        XCTAssertTrue(error.message.contains("(0, 0.5]"), error.message)
    }

    func testBadVariantListsAllowedValues() {
        guard let top = parseError("variant: mcnorm\nbudgets:\n  - name: a\n    pinned: {file: p.json, tolerance_points: 1}\n") else { return }
        XCTAssertEqual(top.kind, .invalidValue)
        XCTAssertEqual(top.line, 1)
        XCTAssertEqual(top.column, 10)
        XCTAssertEqual(top.description, "budget.yaml:1:10: variant: expected one of mc | mcNorm | gen | genStrict, found \"mcnorm\"; did you mean \"mcNorm\"?")

        let inRule = "budgets:\n  - name: a\n  - name: b\n    domain_gain:\n      arm: x\n      min_points: 1\n      variant: generative\n"
        guard let rule = parseError(inRule) else { return }
        // budgets[0] has no rule: that is reported first.
        XCTAssertEqual(rule.path, "budgets[0]")
        XCTAssertEqual(rule.line, 2)
        let second = parseError("budgets:\n  - name: b\n    domain_gain:\n      arm: x\n      min_points: 1\n      variant: generative\n")
        XCTAssertEqual(second?.line, 6)
        XCTAssertEqual(second?.path, "budgets[0].domain_gain.variant")
        XCTAssertEqual(second?.kind, .invalidValue)
    }

    func testBadFamilyMetric() {
        guard let error = parseError("budgets:\n  - name: a\n    family_forgetting: {arm: x, max_points: 3, metric: f}\n") else { return }
        XCTAssertEqual(error.line, 3)
        XCTAssertTrue(error.message.hasPrefix("expected one of F | Fadj | drop, found \"f\""), error.message)
    }

    func testMissingArmFieldNamesTheRuleMapping() {
        let block = "budgets:\n  - name: a\n    domain_gain:\n      min_points: 5\n"
        guard let error = parseError(block) else { return }
        XCTAssertEqual(error.kind, .missingRequired)
        XCTAssertEqual(error.line, 4)
        XCTAssertEqual(error.column, 7)
        XCTAssertEqual(error.path, "budgets[0].domain_gain.arm")
        XCTAssertTrue(error.message.contains("missing required key"), error.message)

        let flow = "budgets:\n  - name: a\n  - name: b\n    not_worse: {arm: x}\n"
        let noRule = parseError(flow)
        XCTAssertEqual(noRule?.path, "budgets[0]")   // budgets[0] is checked first

        let than = parseError("budgets:\n  - name: b\n    not_worse: {arm: x}\n")
        XCTAssertEqual(than?.kind, .missingRequired)
        XCTAssertEqual(than?.line, 3)
        XCTAssertEqual(than?.column, 16)
        XCTAssertEqual(than?.path, "budgets[0].not_worse.than")
    }

    func testRuleCountAndDuplicateNames() {
        let two = "budgets:\n  - name: a\n    domain_gain: {arm: x, min_points: 1}\n    pinned: {file: p.json, tolerance_points: 1}\n"
        guard let error = parseError(two) else { return }
        XCTAssertEqual(error.kind, .inconsistent)
        XCTAssertEqual(error.line, 4)
        XCTAssertEqual(error.path, "budgets[0].pinned")

        let none = parseError("budgets:\n  - name: lonely\n")
        XCTAssertEqual(none?.kind, .missingRequired)
        XCTAssertEqual(none?.line, 2)
        XCTAssertTrue(none?.message.contains("general_forgetting, domain_gain, not_worse, family_forgetting, pinned") ?? false)

        let dup = "budgets:\n  - name: a\n    domain_gain: {arm: x, min_points: 1}\n  - name: a\n    domain_gain: {arm: y, min_points: 1}\n"
        guard let duplicate = parseError(dup) else { return }
        XCTAssertEqual(duplicate.kind, .duplicate)
        XCTAssertEqual(duplicate.line, 4)
        XCTAssertEqual(duplicate.path, "budgets[1].name")
    }

    func testSyntaxEmptyAndMissingBudgets() {
        let syntax = parseError("budgets:\n  - name: a\n    domain_gain: {arm: x, min_points: 1\n")
        XCTAssertEqual(syntax?.kind, .syntax)
        XCTAssertNotNil(syntax?.line)
        XCTAssertEqual(parseError("")?.kind, .missingRequired)
        let missing = parseError("experiment: x\n")
        XCTAssertEqual(missing?.kind, .missingRequired)
        XCTAssertEqual(missing?.path, "budgets")
        let empty = parseError("budgets: []\n")
        XCTAssertEqual(empty?.kind, .outOfRange)
        XCTAssertEqual(parseError("budgets: {name: a}\n")?.kind, .wrongType)
    }

    func testLoadNamesMissingFile() {
        XCTAssertThrowsError(try BudgetParser.load(path: "/nonexistent/budget.yaml")) { error in
            XCTAssertEqual((error as? BudgetError)?.kind, .fileNotFound)
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/budget.yaml: "), "\(error)")
        }
    }

    func testLeadingByteOrderMarkIsDropped() throws {
        let yaml = "budgets:\n  - name: a\n    domain_gain: {arm: domain-only, min_points: 1}\n"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("retain-budget-bom-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data([0xEF, 0xBB, 0xBF] + Array(yaml.utf8)).write(to: url)
        XCTAssertEqual(try BudgetParser.load(path: url.path).budgets.map(\.name), ["a"])
    }

    func testExampleBudgetParsesAndUsesEveryRuleKind() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("baselines/example-budget.yaml").path
        let budget = try BudgetParser.load(path: path)
        XCTAssertEqual(budget.experiment, "quick-paper-table")
        XCTAssertEqual(Set(budget.budgets.map(\.rule.key)), Set(BudgetRule.keys))
        let pinned = budget.budgets.compactMap { b -> PinnedRule? in if case .pinned(let r) = b.rule { return r } else { return nil } }
        XCTAssertEqual(pinned.map(\.file), ["baselines/quick-pinned.json"])
    }
}
