import Foundation
import RetainBackends
import RetainCore
import RetainEngine
import RetainTokenizer
import RetainWorld
import XCTest
@testable import RetainVendor

/// The engine's results are the same bits on every CPU and at every thread count.
///
/// Builds the quick world's vendor models (tokenizer, pretrained base, the three released models;
/// a shortened step plan), fine-tunes the instruct model on domain data, and digests every weight
/// and the models' outputs (sampled pre-query instructions, greedy answers, log-likelihood scores),
/// at 1, 2 and 3 threads. Each digest must equal the one committed here, so a machine whose
/// arithmetic differs in any bit fails this test.
///
/// Checked equal on: AMD EPYC (Zen 3, AVX2 + FMA, no AVX-512).
/// A change to the quick vendor plan or world moves it too (it trains the quick plan's batch sizes).
/// If a deliberate numerics change moves it, bump `EngineNumerics.portableVersion` and paste the
/// printed digest (run with RETAIN_PRINT_DIGEST=1).
final class NumericsDigestTests: XCTestCase {
    static let expected = "weights 761d62e88b75e354 outputs f18563ff19d51ddf"

    func testDigestIsTheCommittedOneAtOneTwoAndThreeThreads() throws {
        try XCTSkipUnless(GemmBackend.current.isMachineIndependent, "RETAIN_GEMM selects a machine-dependent GEMM")
        defer { EngineThreads.set(2) }
        var digests: [Int: String] = [:]
        for threads in [1, 2, 3] {
            digests[threads] = try digest(threads: threads)
            if ProcessInfo.processInfo.environment["RETAIN_PRINT_DIGEST"] != nil {
                print("numerics digest at \(threads) threads: \(digests[threads]!)")
            }
        }
        for threads in [1, 2, 3] {
            XCTAssertEqual(digests[threads], Self.expected, "digest at \(threads) threads (\(EngineNumerics.cpuModel))")
        }
    }

    private func digest(threads: Int) throws -> String {
        EngineThreads.set(threads)
        let cacheDir = FileManager.default.temporaryDirectory.appendingPathComponent("retain-digest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cacheDir) }
        var plan = VendorPlan.preset(.quick)
        plan.pretraining.steps = 16
        plan.sft.steps = 8
        let world = try World(preset: .quick, seed: 1)
        let vendor = VendorPipeline(world: world, plan: plan, cache: ModelCache(root: cacheDir), log: { _ in })
        let released = try vendor.releasedModels()
        let instruct = released[0].lm
        let tuned = try instruct.finetuned(
            on: world.domainSet.prefix(48).map(chatMessages), roleWeights: RoleWeights(assistant: 1),
            hyperparameters: TrainingHyperparameters(batchSize: 8, learningRate: 2e-3, seed: 7, steps: 6))

        var weights = Digest()
        for lm in released.map(\.lm) + [tuned] { weights.add(lm.model.parameters.toArray()) }

        var outputs = Digest()
        let mc = Array(world.benchmarks.general.multipleChoice.prefix(24))
        for lm in [instruct, tuned] {
            let sampled = try lm.generate((0..<24).map {
                TextGenerationRequest(prompt: .raw(lm.userTurnPrefix), maxTokens: 32,
                                      sampling: try SamplingParameters(temperature: 1, topP: 0.98), seed: UInt64($0))
            })
            let greedy = try lm.generate(mc.map {
                TextGenerationRequest(prompt: .chat([ChatMessage(role: .user, content: $0.question)]), maxTokens: 24)
            })
            for text in sampled + greedy { outputs.add(text) }
            let scores = try lm.loglikelihood(mc.map {
                TextLoglikelihoodRequest(prompt: .chat([ChatMessage(role: .user, content: $0.question)]), continuations: $0.choices)
            })
            for s in scores.joined() {
                outputs.add([Float(s.logprob)])
                outputs.add("\(s.logprob.bitPattern) \(s.isGreedy) \(s.tokenCount)")
            }
        }
        return "weights \(weights.hex) outputs \(outputs.hex)"
    }
}

/// FNV-1a over the bytes of floats (their bit patterns) and strings.
private struct Digest {
    private var state: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ values: [Float]) {
        for v in values {
            var bits = v.bitPattern
            for _ in 0..<4 { mix(UInt8(truncatingIfNeeded: bits)); bits >>= 8 }
        }
    }

    mutating func add(_ text: String) {
        for b in text.utf8 { mix(b) }
        mix(0)
    }

    private mutating func mix(_ byte: UInt8) {
        state ^= UInt64(byte)
        state = state &* 0x0000_0100_0000_01B3
    }

    var hex: String { ContentHash.hex(state) }
}
