import Foundation
import RetainAnalysis
import RetainCore
import RetainOrchestrator
import RetainSpec
import RetainStore
import RetainTestSupport
import XCTest

final class OrchestratorTests: XCTestCase {
    static let specYAML = """
        experiment: fake
        world: {preset: quick, seed: 1}
        threads: 1
        seeds: [1, 2]
        synthesis:
          instructions: 40
          responses_per_model: 3
          judges:
            - {kind: likelihood, model: instruct}
            - {kind: prompt, model: vendor-b}
            - {kind: verifier}
        arms:
          - instruct
          - domain-only
          - public-mix:publicA
          - reconstructed-mix
          - oracle-replay
          - one-model-one-response
          - one-model-three-self-judged
        sweep: {arm: reconstructed-mix, general_shares: [0.5]}
        """

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("retain-orch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func run(_ env: FakeEnvironment, db: String) throws -> [StageReport] {
        let spec = try SpecParser.parse(yaml: Self.specYAML, file: "fake.yaml")
        let store = try ExperimentStore(path: directory.appendingPathComponent(db).path)
        let o = Orchestrator(spec: spec, specText: Self.specYAML, environment: env, store: store,
                             modelsDirectory: directory.appendingPathComponent("models").path,
                             progress: ProgressReporter(mode: .silent), log: { _ in })
        return try o.run()
    }

    func testRunsEveryArmAndARerunDoesNoWork() throws {
        let trainer = RecordingTrainer { data, _ in FakeEnvironment.model("ft-\(data.count)-\(data.first?.instruction ?? "")") }
        let env = FakeEnvironment(trainer: trainer)
        let first = try run(env, db: "a.sqlite")
        // The one reuse: seed 2's instruct evaluations (greedy, so seed-independent) are seed 1's.
        XCTAssertEqual(first.filter { !$0.executed }.map(\.label), ["[seed 2] instruct general: evaluate", "[seed 2] instruct domain: evaluate"])
        // 7 arms + 1 sweep point, minus instruct = 7 trainings per seed.
        XCTAssertEqual(trainer.runs, 14)
        let kinds = Dictionary(grouping: first.filter(\.executed), by: \.kind).mapValues(\.count)
        // Per seed: 1 reconstruction; generations: 3 generators ×3 plus instruct ×1 (×3 is shared);
        // judging: full and self-judged; selection: 3 recipes.
        XCTAssertEqual(kinds["reconstruct"], 2)
        XCTAssertEqual(kinds["generate"], 8)
        XCTAssertEqual(kinds["judge"], 4)
        XCTAssertEqual(kinds["select"], 6)
        XCTAssertEqual(kinds["mix"], 14)
        XCTAssertEqual(kinds["train"], 14)
        // instruct is evaluated once (greedy, seed-independent) per benchmark, plus one sampled
        // noise-floor evaluation per seed and benchmark: 2 + 2 × 2 + 14 × 2.
        XCTAssertEqual(kinds["evaluate"], 34)

        let store = try ExperimentStore(path: directory.appendingPathComponent("a.sqlite").path)
        let summary = try store.summary(experiment: "fake")
        // 8 arm runs × 2 seeds × 2 benchmarks × 2 variants.
        XCTAssertEqual(summary.count, 64)
        XCTAssertTrue(summary.allSatisfy { $0.n == ($0.variant == .mc ? 8 : 4) })

        let before = trainer.runs
        let second = try run(env, db: "a.sqlite")
        XCTAssertFalse(second.contains(where: \.executed), "a rerun does no work")
        XCTAssertTrue(second.allSatisfy { $0.kind == "evaluate" }, "a rerun loads nothing upstream of stored evaluations")

        // The analysis pairs every arm with the instruct model and has a noise floor beside it.
        let analysis = try ExperimentAnalyzer.analyze(experiment: "fake", store: store, environment: env)
        XCTAssertEqual(analysis.comparisons.filter { $0.family == nil }.count, 7 * 2 * 2 * 4)
        XCTAssertEqual(analysis.instruct.count, 2 * 4)
        XCTAssertTrue(analysis.instruct.allSatisfy { $0.noise != nil })
        XCTAssertEqual(analysis.instruct.first { $0.variant == .gen }?.noise?.n, 3, "greedy plus one sampled run per seed")
        XCTAssertEqual(analysis.sweep.map(\.generalShare), [0.5, 0.83])
        // Paired key comparisons: method vs domain-only, vs the best (only) public set, oracle vs
        // method, the two ablation steps and every arm vs instruct, on both roles. Against the
        // instruct model (one benchmark per role) Δ̄ is the mean over seeds of each seed's Δ.
        XCTAssertEqual(analysis.keyComparisons.count, (5 + 7) * 2)
        for c in analysis.keyComparisons where c.b == "instruct" {
            let deltas = analysis.benchmarks.filter { $0.kind == c.role }
                .flatMap { analysis.comparisons(arm: c.a, benchmark: $0.name, variant: .mc).map(\.delta) }
            XCTAssertEqual(c.seeds, [1, 2])
            XCTAssertEqual(c.delta, deltas.reduce(0, +) / Double(deltas.count), accuracy: 1e-12)
        }
        XCTAssertEqual(analysis.findings.map(\.claim), Finding.Claim.allCases)
        XCTAssertTrue(analysis.findings.allSatisfy { $0.verdict != nil && $0.missing.isEmpty })
        XCTAssertEqual(trainer.runs, before)
        XCTAssertTrue(env.models.values.allSatisfy { $0.generationRequests.count > 0 })
    }

    func testMixesFollowTheSpec() throws {
        let env = FakeEnvironment()
        _ = try run(env, db: "m.sqlite")
        let store = try ExperimentStore(path: directory.appendingPathComponent("m.sqlite").path)
        let runs = try store.stageRuns(status: .done).filter { $0.kind == "mix" }
        var sizes: [Int] = []
        for r in runs {
            let data = try store.dataset(hash: r.hash) ?? []
            let domain = data.filter { $0.source == "domain" }.count
            sizes.append(data.count)
            if data.count != 17 {   // mixes other than domain-only
                let share = Double(data.count - domain) / Double(data.count)
                XCTAssertTrue(abs(share - 0.83) < 0.01 || abs(share - 0.5) < 0.02, "general share \(share)")
            }
        }
        XCTAssertTrue(sizes.contains(17), "domain-only trains on the domain set alone")
        XCTAssertTrue(sizes.contains(100), "17 domain / (1 − 0.83) = 100")
        XCTAssertTrue(sizes.contains(34), "the 0.5 sweep point: 17 / 0.5")
    }

    /// A run that dies partway (here: the third training throws) and is then resumed ends with
    /// exactly the rows of an uninterrupted run, and redoes none of the finished stages.
    func testInterruptedRunResumesToTheSameResult() throws {
        let makeModel: ([Conversation], FineTuneSettings) -> any LanguageModel = { data, _ in
            FakeEnvironment.model("ft-\(data.count)-\(data.first?.instruction ?? "")")
        }
        _ = try run(FakeEnvironment(trainer: RecordingTrainer(makeModel: makeModel)), db: "clean.sqlite")

        let failing = FailingTrainer(inner: RecordingTrainer(makeModel: makeModel), failOn: 3)
        XCTAssertThrowsError(try run(FakeEnvironment(trainer: failing), db: "resumed.sqlite"))
        let partial = try ExperimentStore(path: directory.appendingPathComponent("resumed.sqlite").path)
        XCTAssertEqual(try partial.stageRuns(status: .failed).map(\.kind), ["train"])
        let doneBefore = Set(try partial.stageRuns(status: .done).map(\.hash))

        let resumedTrainer = RecordingTrainer(makeModel: makeModel)
        let reports = try run(FakeEnvironment(trainer: resumedTrainer), db: "resumed.sqlite")
        XCTAssertEqual(resumedTrainer.runs, 12, "two of the fourteen trainings finished before the failure")
        XCTAssertTrue(reports.filter(\.executed).allSatisfy { !doneBefore.contains($0.hash) }, "no finished stage reran")

        let clean = try ExperimentStore(path: directory.appendingPathComponent("clean.sqlite").path)
        let resumed = try ExperimentStore(path: directory.appendingPathComponent("resumed.sqlite").path)
        XCTAssertEqual(try clean.dumpOutputs(), try resumed.dumpOutputs())
        XCTAssertEqual(try clean.summary(experiment: "fake"), try resumed.summary(experiment: "fake"))
        XCTAssertTrue(try resumed.stageRuns(status: .running).isEmpty)
        XCTAssertTrue(try resumed.stageRuns(status: .failed).isEmpty)
    }
}
