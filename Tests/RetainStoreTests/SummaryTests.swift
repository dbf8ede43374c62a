import Foundation
import RetainCore
import XCTest
@testable import RetainStore

final class SummaryTests: StoreTestCase {
    /// Per arm × seed: facts/mc correct + norm, facts/gen correct + strict, domainQA/gen correct + strict.
    private struct Outcome {
        var factsMC: [Int], factsMCNorm: [Int], factsGen: [Int], factsGenStrict: [Int], domain: [Int], domainStrict: [Int?]
    }

    private let outcomes: [String: [UInt64: Outcome]] = [
        "retain": [
            1: Outcome(factsMC: [1, 1, 1, 0], factsMCNorm: [1, 1, 0, 0], factsGen: [1, 0], factsGenStrict: [1, 0],
                       domain: [1, 1, 1], domainStrict: [nil, nil, nil]),
            2: Outcome(factsMC: [1, 1, 0, 0], factsMCNorm: [1, 0, 0, 0], factsGen: [1, 1], factsGenStrict: [0, 1],
                       domain: [1, 0, 1], domainStrict: [nil, nil, nil]),
        ],
        "base": [
            1: Outcome(factsMC: [1, 0, 0, 0], factsMCNorm: [0, 0, 0, 0], factsGen: [0, 0], factsGenStrict: [0, 0],
                       domain: [0, 0, 1], domainStrict: [nil, nil, nil]),
            2: Outcome(factsMC: [1, 1, 1, 1], factsMCNorm: [1, 1, 1, 1], factsGen: [1, 1], factsGenStrict: [1, 1],
                       domain: [0, 1, 1], domainStrict: [1, nil, 0]),
        ],
    ]

    private func predictions(_ o: Outcome) -> [PredictionRecord] {
        func make(_ benchmark: String, _ variant: BenchmarkVariant, _ correct: [Int], _ norm: [Int?]) -> [PredictionRecord] {
            zip(correct, norm).enumerated().map { i, pair in
                PredictionRecord(benchmark: benchmark, itemID: "\(benchmark)-\(i)", variant: variant, correct: pair.0 == 1,
                                 correctNorm: pair.1.map { $0 == 1 }, extracted: nil, outputJSON: "{}")
            }
        }
        return make("facts", .mc, o.factsMC, o.factsMCNorm) + make("facts", .gen, o.factsGen, o.factsGenStrict)
            + make("domainQA", .gen, o.domain, o.domainStrict)
            // Scored but not linked for this experiment: must not appear in its summary.
            + make("unlinked", .mc, [1, 1], [1, 1])
    }

    func testSummaryViewCountsAndAveragesPerArmSeedBenchmarkAndVariant() throws {
        let store = try ExperimentStore(path: dbPath())
        let id = try store.upsertExperiment(name: "exp", specHash: "h", specText: "t")
        try store.setArms(experimentID: id, [ArmRecord(name: "retain", configJSON: "{}"), ArmRecord(name: "base", configJSON: "{}")])
        try store.setSeeds(experimentID: id, [1, 2])
        for (arm, bySeed) in outcomes {
            for (seed, outcome) in bySeed {
                let hash = "eval-\(arm)-\(seed)"
                try store.markRunning(hash: hash, kind: "evaluate", configJSON: "{}", inputsJSON: "[]", codeVersion: 1)
                try store.complete(hash: hash, wallSeconds: 0) { try $0.insertPredictions(predictions(outcome)) }
                try store.linkArmResult(experimentID: id, ArmResultRecord(arm: arm, seed: seed, benchmark: "facts", kind: .general, evalHash: hash))
                try store.linkArmResult(experimentID: id, ArmResultRecord(arm: arm, seed: seed, benchmark: "domainQA", kind: .domain, evalHash: hash))
            }
        }
        // Another experiment sharing one evaluation: its rows stay separate.
        let other = try store.upsertExperiment(name: "other", specHash: "h", specText: "t")
        try store.setArms(experimentID: other, [ArmRecord(name: "retain", configJSON: "{}")])
        try store.setSeeds(experimentID: other, [1])
        try store.linkArmResult(experimentID: other, ArmResultRecord(arm: "retain", seed: 1, benchmark: "facts", kind: .general, evalHash: "eval-retain-1"))

        func row(_ arm: String, _ seed: UInt64, _ benchmark: String, _ variant: BenchmarkVariant, _ n: Int, _ acc: Double,
                 _ nNorm: Int, _ accNorm: Double?) -> SummaryRow {
            SummaryRow(experiment: "exp", arm: arm, seed: seed, benchmark: benchmark, kind: benchmark == "facts" ? .general : .domain,
                       variant: variant, n: n, accuracy: acc, nNorm: nNorm, accuracyNorm: accNorm)
        }
        let expected = [
            row("retain", 1, "domainQA", .gen, 3, 1, 0, nil),
            row("retain", 1, "facts", .gen, 2, 0.5, 2, 0.5),
            row("retain", 1, "facts", .mc, 4, 0.75, 4, 0.5),
            row("retain", 2, "domainQA", .gen, 3, 2.0 / 3.0, 0, nil),
            row("retain", 2, "facts", .gen, 2, 1, 2, 0.5),
            row("retain", 2, "facts", .mc, 4, 0.5, 4, 0.25),
            row("base", 1, "domainQA", .gen, 3, 1.0 / 3.0, 0, nil),
            row("base", 1, "facts", .gen, 2, 0, 2, 0),
            row("base", 1, "facts", .mc, 4, 0.25, 4, 0),
            row("base", 2, "domainQA", .gen, 3, 2.0 / 3.0, 2, 0.5),
            row("base", 2, "facts", .gen, 2, 1, 2, 1),
            row("base", 2, "facts", .mc, 4, 1, 4, 1),
        ]
        XCTAssertEqual(try store.summary(experiment: "exp"), expected)
        XCTAssertEqual(try store.summary(experiment: "other").map(\.n), [2, 4])
        XCTAssertEqual(try store.summary(experiment: "missing"), [])

        // The view itself is usable from plain SQL (e.g. the sqlite3 CLI).
        XCTAssertEqual(try store.database.scalar("SELECT SUM(n) FROM summary WHERE experiment = ? AND variant = ?", "exp", "mc", as: Int.self), 16)

        let links = try store.armResults(experimentID: id)
        XCTAssertEqual(links.count, 8)
        XCTAssertEqual(links.first, ArmResultRecord(arm: "retain", seed: 1, benchmark: "domainQA", kind: .domain, evalHash: "eval-retain-1"))
        // Relinking replaces; removing an arm from the spec drops its links.
        try store.linkArmResult(experimentID: id, ArmResultRecord(arm: "base", seed: 1, benchmark: "facts", kind: .general, evalHash: "eval-base-2"))
        XCTAssertEqual(try store.summary(experiment: "exp").filter { $0.arm == "base" && $0.seed == 1 && $0.benchmark == "facts" }.map(\.accuracy), [1, 1])
        try store.setArms(experimentID: id, [ArmRecord(name: "retain", configJSON: "{}")])
        XCTAssertEqual(try store.armResults(experimentID: id).count, 4)
        XCTAssertEqual(Set(try store.summary(experiment: "exp").map(\.arm)), ["retain"])

        // Links need a known arm, seed and stage run.
        XCTAssertNotNil(storeError(try store.linkArmResult(experimentID: id, ArmResultRecord(arm: "ghost", seed: 1, benchmark: "facts", kind: .general, evalHash: "eval-retain-1"))))
        XCTAssertNotNil(storeError(try store.linkArmResult(experimentID: id, ArmResultRecord(arm: "retain", seed: 9, benchmark: "facts", kind: .general, evalHash: "eval-retain-1"))))
        XCTAssertNotNil(storeError(try store.linkArmResult(experimentID: id, ArmResultRecord(arm: "retain", seed: 1, benchmark: "facts", kind: .general, evalHash: "no-such-run"))))
    }
}
