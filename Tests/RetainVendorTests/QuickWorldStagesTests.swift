import Foundation
import RetainBackends
import RetainCore
import RetainEngine
import RetainStages
import RetainWorld
import XCTest
@testable import RetainVendor

/// Every stage on the quick world's real models, checked against the world's own ground truth and
/// against the vendor's evaluator (written separately from the evaluation stage).
final class QuickWorldStagesTests: XCTestCase {
    func testStagesOnTheQuickWorld() throws {
        EngineThreads.set(2)
        let world = try World(preset: .quick, seed: 1)
        let env = WorldEnvironment(world: world, plan: .preset(.quick), cache: ModelCache(root: QuickWorldTests.cacheDir), log: { _ in })
        let instruct = try env.model(named: "instruct")
        let vendorB = try env.model(named: "vendor-b")

        let recon = try InstructionReconstruction.run(model: instruct, config: .init(count: 60, seed: 3))
        let s = recon.stats
        XCTAssertEqual(s.kept + s.empty + s.unfinished + s.tooShort + s.tooLong + s.exactDuplicates + s.nearDuplicates, 60)
        XCTAssertGreaterThan(world.validShare(recon.instructions.map { Conversation(messages: [.user($0)]) }), 0.3)

        let instructions = Array(recon.instructions.prefix(20))
        let candidates = try ResponseGeneration.run(instructions: instructions,
                                                    generators: [NamedModel(name: "instruct", model: instruct), NamedModel(name: "vendor-b", model: vendorB)],
                                                    config: .init(responsesPerModel: 2, seed: 3))
        XCTAssertEqual(candidates.map(\.count), Array(repeating: 4, count: instructions.count))

        let verifier = try env.verifierJudge()
        let judges: [any Judge] = [verifier, LikelihoodJudge(name: "likelihood:instruct", model: instruct),
                                   PromptJudge(name: "prompt:vendor-b", model: vendorB, maxTokens: 16)]
        let (judged, stats) = try Judging.run(instructions: instructions, candidates: candidates, judges: judges)
        for (i, group) in judged.enumerated() {
            for c in group {
                let truth = world.isCorrect(instruction: instructions[i], response: c.candidate.text) == true
                XCTAssertEqual(c.verdicts[0].score, truth ? 5 : 1, "verifier on \(instructions[i]) → \(c.candidate.text)")
            }
        }
        // The likelihood judge's quintile bins put about a fifth of the pool at each level.
        XCTAssertEqual(stats.histogram["likelihood:instruct"]?.reduce(0, +), 80)
        XCTAssertEqual(stats.abstentions["likelihood:instruct"], 0)
        // The tiny models never learned the scoring prompt: the prompt judge mostly abstains, and
        // the average then rests on the other judges.
        XCTAssertGreaterThan(stats.abstentions["prompt:vendor-b"] ?? 0, 40)

        let (selected, selStats) = Selection.run(instructions: instructions, judged: judged, generatorOrder: ["instruct", "vendor-b"])
        XCTAssertEqual(selStats.selected + selStats.unscored + selStats.belowMinimum + selStats.noCandidates, instructions.count)
        for sel in selected {
            let group = judged[instructions.firstIndex(of: sel.instruction)!]
            XCTAssertEqual(sel.response.averageScore, group.compactMap(\.averageScore).max())
        }

        // The evaluation stage agrees with the vendor's evaluator on the same items.
        let general = try env.benchmark(named: "general")
        let out = try Evaluation.run(model: instruct, multipleChoice: general.multipleChoice, generative: general.generative,
                                     checker: general.checker, maxTokens: 32)
        let reference = try WorldEvaluator.score(instruct as! EmbeddedLM, on: world.benchmarks.general, in: world)
        XCTAssertEqual(out.mcAccuracy, reference.mcAccuracy, accuracy: 1e-12)
        XCTAssertEqual(out.genAccuracy, reference.genAccuracy, accuracy: 1e-12)
        XCTAssertEqual(out.genStrictAccuracy, reference.genStrictAccuracy, accuracy: 1e-12)
    }
}
