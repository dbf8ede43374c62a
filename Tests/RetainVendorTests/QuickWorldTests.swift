import Foundation
import RetainBackends
import RetainCore
import RetainEngine
import RetainTokenizer
import RetainWorld
import XCTest
@testable import RetainVendor

/// The quick world end to end, with a fixed seed: the vendor's instruct model is well above chance,
/// writes valid instructions from the bare user-turn prefix, and forgets when fine-tuned on the
/// domain set alone — the effect the whole project measures.
final class QuickWorldTests: XCTestCase {
    static let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("retain-vendor-tests-\(UUID().uuidString)")

    override class func tearDown() { try? FileManager.default.removeItem(at: cacheDir) }

    func pipeline(_ world: World) -> VendorPipeline {
        VendorPipeline(world: world, plan: .preset(.quick), cache: ModelCache(root: Self.cacheDir), log: { _ in })
    }

    func testInstructModelIsCapableAndDomainOnlyFineTuningForgets() throws {
        EngineThreads.set(2)
        let world = try World(preset: .quick, seed: 1)
        let instruct = try pipeline(world).instruct()

        let general = try WorldEvaluator.score(instruct.lm, on: world.benchmarks.general, in: world)
        let domain = try WorldEvaluator.score(instruct.lm, on: world.benchmarks.domain, in: world)
        // Well above chance on general ability (n = 440, chance ≈ 0.27, SE ≈ 0.02).
        XCTAssertGreaterThan(general.mcAccuracy, general.mcChance + 0.15, "general MC \(general.mcAccuracy)")
        XCTAssertGreaterThan(general.genAccuracy, 0.1, "general generative \(general.genAccuracy)")
        // The domain is barely known before fine-tuning.
        XCTAssertLessThan(domain.mcAccuracy, general.mcAccuracy)

        // Pre-query reconstruction works: the model writes valid instructions after the user prefix.
        let sample = try WorldEvaluator.sampleInstructions(instruct.lm, in: world, count: 60, seed: 1)
        XCTAssertGreaterThan(sample.validShare, 0.3, "valid instruction share \(sample.validShare)")

        // Fine-tuning on the domain set alone raises domain accuracy and lowers general accuracy.
        let tuned = try instruct.lm.finetuned(
            on: world.domainSet.map(chatMessages), roleWeights: RoleWeights(assistant: 1),
            hyperparameters: TrainingHyperparameters(batchSize: 16, epochs: 8, learningRate: 2e-3, seed: 7))
        let generalAfter = try WorldEvaluator.score(tuned, on: world.benchmarks.general, in: world)
        let domainAfter = try WorldEvaluator.score(tuned, on: world.benchmarks.domain, in: world)
        XCTAssertGreaterThan(domainAfter.mcAccuracy, domain.mcAccuracy + 0.1,
                             "domain MC \(domain.mcAccuracy) → \(domainAfter.mcAccuracy)")
        XCTAssertLessThan(generalAfter.mcAccuracy, general.mcAccuracy - 0.05,
                          "general MC \(general.mcAccuracy) → \(generalAfter.mcAccuracy)")
        print("quick world: general MC \(general.mcAccuracy) → \(generalAfter.mcAccuracy), gen \(general.genAccuracy) → \(generalAfter.genAccuracy); "
              + "domain MC \(domain.mcAccuracy) → \(domainAfter.mcAccuracy); valid instructions \(sample.validShare)")
    }

    func testSecondRunReusesCachedModels() throws {
        EngineThreads.set(2)
        let world = try World(preset: .quick, seed: 1)
        let first = try pipeline(world).releasedModels()
        let second = try pipeline(world).releasedModels()
        XCTAssertTrue(second.allSatisfy(\.cached))
        for (a, b) in zip(first, second) {
            XCTAssertEqual(a.lm.model.parameters.toArray(), b.lm.model.parameters.toArray(), a.spec.name)
        }
        XCTAssertEqual(Set(first.map(\.spec.name)).count, 3)
        // The released models differ from each other (different SFT mix and seed).
        XCTAssertNotEqual(first[0].lm.model.parameters.toArray(), first[1].lm.model.parameters.toArray())
    }
}
