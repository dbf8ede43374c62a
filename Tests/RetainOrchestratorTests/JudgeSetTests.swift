import Foundation
import RetainCore
import RetainOrchestrator
import RetainSpec
import RetainStore
import RetainTestSupport
import XCTest

/// Judge sets as arms and as measurements: one generation per generator serves every set, a set
/// with the synthesis judges is reconstructed-mix (same stages), and the fidelity table shows each
/// set's selected correctness.
final class JudgeSetTests: XCTestCase {
    static let specYAML = """
        experiment: judge-sets
        seeds: [1, 2]
        synthesis:
          instructions: 40
          responses_per_model: 3
          judges:
            - {kind: likelihood, model: instruct}
            - {kind: likelihood, model: vendor-b}
          judge_sets:
            same:
              - {kind: likelihood, model: instruct}
              - {kind: likelihood, model: vendor-b}
            consensus-only: [{kind: consensus}]
            likelihood-consensus:
              - {kind: likelihood, model: instruct}
              - {kind: consensus}
            verifier: [{kind: verifier}]
            checked: [{kind: check, model: vendor-c}]
        arms: [instruct, reconstructed-mix, judge-set:same, judge-set:consensus-only, judge-set:likelihood-consensus, judge-set:verifier]
        """

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("retain-judge-sets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func run(_ yaml: String, _ env: FakeEnvironment, db: String) throws -> (reports: [StageReport], store: ExperimentStore) {
        let spec = try SpecParser.parse(yaml: yaml, file: "judge-sets.yaml")
        let store = try ExperimentStore(path: directory.appendingPathComponent(db).path)
        let o = Orchestrator(spec: spec, specText: yaml, environment: env, store: store,
                             modelsDirectory: directory.appendingPathComponent("models").path,
                             progress: ProgressReporter(mode: .silent), log: { _ in })
        return (try o.run(), store)
    }

    func testJudgeSetsShareGenerationsAndASetEqualToTheJudgesIsReconstructedMix() throws {
        let trainer = RecordingTrainer { data, _ in FakeEnvironment.model("ft-\(data.count)-\(data.first?.instruction ?? "")") }
        let env = FakeEnvironment(trainer: trainer)
        let (first, store) = try run(Self.specYAML, env, db: "j.sqlite")
        let kinds = Dictionary(grouping: first.filter(\.executed), by: \.kind).mapValues(\.count)
        // Per seed: 3 generations (every set judges the same responses); judging and selection for
        // the synthesis judges (also "same"), consensus-only, likelihood-consensus, verifier and
        // checked (no arm: measured only); 4 mixes and trainings ("same" is reconstructed-mix's).
        XCTAssertEqual(kinds["reconstruct"], 2)
        XCTAssertEqual(kinds["generate"], 6)
        XCTAssertEqual(kinds["judge"], 10)
        XCTAssertEqual(kinds["select"], 10)
        XCTAssertEqual(kinds["mix"], 8)
        XCTAssertEqual(kinds["train"], 8)
        XCTAssertEqual(trainer.runs, 8)

        // "same" is reconstructed-mix under another name, stage by stage.
        let experiment = try XCTUnwrap(try store.experiment(named: "judge-sets"))
        let stages = try store.experimentStages(experimentID: experiment.id)
        func hash(_ kind: String, _ role: String, _ seed: UInt64) -> String? {
            stages.first { $0.kind == kind && $0.role == role && $0.seed == seed }?.stageHash
        }
        for seed: UInt64 in [1, 2] {
            for (kind, a, b) in [("judge", "full", "judge-set:same"), ("select", "full", "judge-set:same"),
                                 ("mix", "reconstructed-mix", "judge-set:same"), ("train", "reconstructed-mix", "judge-set:same")] {
                XCTAssertNotNil(hash(kind, a, seed))
                XCTAssertEqual(hash(kind, a, seed), hash(kind, b, seed), "\(kind) of seed \(seed)")
            }
            XCTAssertNotEqual(hash("select", "full", seed), hash("select", "judge-set:consensus-only", seed))
        }
        XCTAssertEqual(try store.summary(experiment: "judge-sets").count, 6 * 2 * 2 * 2)

        // Every set's selection is measured, in arm order and then the sets no arm trains on.
        let analysis = try ExperimentAnalyzer.analyze(experiment: "judge-sets", store: store, environment: env)
        let rows = try XCTUnwrap(analysis.fidelity).reconstructions
        let recipes = ["full", "judge-set:same", "judge-set:consensus-only", "judge-set:likelihood-consensus", "judge-set:verifier",
                       "judge-set:checked"]
        XCTAssertEqual(rows.map(\.recipe), recipes + recipes)
        XCTAssertEqual(rows.map(\.seed), Array(repeating: 1, count: 6) + Array(repeating: 2, count: 6))
        func correct(_ recipe: String, _ seed: UInt64) -> Double { rows.first { $0.recipe == recipe && $0.seed == seed }!.selectedCorrect }
        for seed: UInt64 in [1, 2] {
            XCTAssertEqual(correct("judge-set:verifier", seed), 1, "the ceiling: the verifier selects a right answer wherever there is one")
            XCTAssertEqual(correct("judge-set:same", seed), correct("full", seed))
            // Wrong replies agree with each other here (all are right + 1), so the vote is a real
            // contest; the majority is still right far more often than a likelihood pick.
            XCTAssertGreaterThan(correct("judge-set:consensus-only", seed), correct("full", seed) + 0.1)
        }

        let second = try run(Self.specYAML, env, db: "j.sqlite").reports
        XCTAssertFalse(second.contains(where: \.executed), "a rerun does no work")
        XCTAssertTrue(second.allSatisfy { $0.kind == "evaluate" }, "measured selections already stored are not even loaded")
    }

    func testAJudgeSetArmWithoutItsSetFailsClearly() throws {
        // A spec built in code skips the parser's check; the orchestrator names the problem.
        var spec = try SpecParser.parse(yaml: "experiment: x\narms: [instruct, reconstructed-mix]\n", file: "x.yaml")
        spec.arms.append(.judgeSet("missing"))
        let store = try ExperimentStore(path: directory.appendingPathComponent("x.sqlite").path)
        let o = Orchestrator(spec: spec, specText: "", environment: FakeEnvironment(), store: store,
                             modelsDirectory: directory.appendingPathComponent("models").path,
                             progress: ProgressReporter(mode: .silent), log: { _ in })
        XCTAssertThrowsError(try o.run()) { error in
            XCTAssertTrue("\(error)".contains("judge set \"missing\" is not a non-empty set of synthesis.judge_sets (declared: none)"), "\(error)")
        }
    }

    /// The stage hashes of a spec without judge sets (OrchestratorTests' spec: every arm, a sweep, a
    /// prompt judge and a verifier) are the ones they were before judge sets existed (digest taken
    /// at 95321d4), so stores made before are reused. A deliberate change of a stage's key updates it.
    func testAnExistingSpecKeepsItsStageHashes() throws {
        let (_, store) = try run(OrchestratorTests.specYAML, FakeEnvironment(), db: "pinned.sqlite")
        let hashes = try store.stageRuns(status: .done).map { "\($0.kind) \($0.hash)" }.sorted()
        XCTAssertEqual(hashes.count, 82)
        XCTAssertEqual(try ContentHash.of(hashes), "dddc91bda5b7c8de", hashes.joined(separator: "\n"))
    }
}
