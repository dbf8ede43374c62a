import Foundation
import RetainCore
import RetainOrchestrator
import RetainSpec
import RetainStore
import RetainTestSupport
import XCTest

/// The equal-compute controls: `domain-only-repeated` trains on the domain set repeated to a
/// mix's size, and `training.tokens` gives every arm the same token budget.
final class EqualComputeTests: XCTestCase {
    func run(_ yaml: String, trainer: RecordingTrainer) throws -> ExperimentStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retain-eq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let spec = try SpecParser.parse(yaml: yaml, file: "eq.yaml")
        let store = try ExperimentStore(path: directory.appendingPathComponent("eq.sqlite").path)
        try Orchestrator(spec: spec, specText: yaml, environment: FakeEnvironment(trainer: trainer), store: store,
                         modelsDirectory: directory.appendingPathComponent("models").path,
                         progress: ProgressReporter(mode: .silent), log: { _ in }).run()
        return store
    }

    func testEqualStepsArmRepeatsTheDomainSetToTheMixSize() throws {
        var sizes: [Int] = []
        let trainer = RecordingTrainer { data, _ in
            sizes.append(data.count)
            return FakeEnvironment.model("ft-\(data.count)-\(data.filter { $0.source == "domain" }.count)")
        }
        let store = try run("""
            experiment: eq
            arms: [instruct, domain-only, domain-only-repeated, oracle-replay]
            """, trainer: trainer)
        // The fake domain set has 17 conversations: domain-only trains on them, the mix on
        // 17 / (1 − 0.83) = 100, and the control on 100 domain conversations.
        XCTAssertEqual(sizes.sorted(), [17, 100, 100])
        var control: [[Conversation]] = []
        for run in try store.stageRuns(status: .done) where run.kind == "mix" {
            let data: [Conversation] = try store.dataset(hash: run.hash) ?? []
            if data.count == 100 && data.allSatisfy({ $0.source == "domain" }) { control.append(data) }
        }
        XCTAssertEqual(control.count, 1)
        XCTAssertEqual(Set(control.first ?? []).count, 17, "every domain conversation, repeated")
    }

    func testTokenBudgetReachesTheTrainerForEveryArm() throws {
        var budgets: [Int?] = []
        let trainer = RecordingTrainer { data, settings in
            budgets.append(settings.tokens)
            return FakeEnvironment.model("ft-\(data.count)")
        }
        _ = try run("""
            experiment: eq
            training: {tokens: 65536}
            arms: [instruct, domain-only, oracle-replay]
            """, trainer: trainer)
        XCTAssertEqual(budgets, [65536, 65536])
    }
}
