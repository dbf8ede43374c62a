import XCTest
@testable import RetainEngine

/// Finite differences on the full model's loss, for every parameter tensor.
final class ModelGradientTests: XCTestCase {
    override func setUp() { EngineThreads.set(2) }

    func check(_ config: ModelConfig, seed: UInt64) throws {
        let model = try LlamaModel(config: config, seed: seed)
        // Larger weights than the training init, so every path carries signal.
        var rng = SeededRandom(seed: seed + 1)
        for t in model.layout.tensors where t.isMatrix {
            for i in 0..<t.count { model.parameters[t.offset + i] = rng.nextGaussian() * 0.3 }
        }
        let B = 2, T = 6, n = B * T
        let tokens = (0..<n).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) }
        let targets = (0..<n).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) }
        let weights: [Float] = (0..<n).map { [1, 0.1, 0, 1][$0 % 4] }
        let batch = try TrainingBatch(batchSize: B, seqLen: T, tokens: tokens, targets: targets, weights: weights)
        try model.forwardBackward(batch)
        let grads = model.gradients.toArray()
        for t in model.layout.tensors {
            grads.withUnsafeBufferPointer { g in
                assertGradientMatches(t.name, x: model.parameters.pointer + t.offset, analytic: g.baseAddress! + t.offset,
                                      indices: sampleIndices(t.count, count: 12, seed: UInt64(t.offset)),
                                      loss: { Double(try! model.loss(batch)) })
            }
        }
    }

    func testUntiedGroupedQueryModel() throws {
        try check(ModelConfig(vocabSize: 17, dModel: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, ffnHidden: 24, maxSeqLen: 8), seed: 3)
    }

    func testTiedModel() throws {
        try check(ModelConfig(vocabSize: 13, dModel: 12, nLayers: 2, nHeads: 3, ffnHidden: 20, maxSeqLen: 8, tiedEmbeddings: true), seed: 5)
    }
}
