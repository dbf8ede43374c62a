import XCTest
@testable import RetainEngine

final class TrainingTests: XCTestCase {
    let config = ModelConfig(vocabSize: 37, dModel: 32, nLayers: 2, nHeads: 4, nKVHeads: 2, ffnHidden: 64, maxSeqLen: 16)

    func batch(seed: UInt64) throws -> TrainingBatch {
        var rng = SeededRandom(seed: seed)
        let B = 4, T = 16
        let seq = (0..<(B * (T + 1))).map { _ in Int32(rng.next() % 37) }
        var tokens: [Int32] = [], targets: [Int32] = []
        for b in 0..<B {
            let row = seq[(b * (T + 1))..<((b + 1) * (T + 1))]
            tokens += row.dropLast(); targets += row.dropFirst()
        }
        return try TrainingBatch(batchSize: B, seqLen: T, tokens: tokens, targets: targets)
    }

    /// Runs `steps` AdamW steps on one batch and returns every loss.
    func train(steps: Int, threads: Int, seed: UInt64 = 1) throws -> [Float] {
        EngineThreads.set(threads)
        let model = try LlamaModel(config: config, seed: seed)
        let opt = AdamW(model: model, config: AdamWConfig(weightDecay: 0.0))
        let schedule = LearningRateSchedule(peak: 1e-2, warmupSteps: 10, totalSteps: steps)
        let b = try batch(seed: 42)
        var losses: [Float] = []
        for s in 0..<steps {
            losses.append(try model.forwardBackward(b))
            opt.update(model, lr: schedule.rate(at: s))
        }
        losses.append(try model.loss(b))
        return losses
    }

    func testOverfitsASingleBatch() throws {
        let losses = try train(steps: 150, threads: 2)
        XCTAssertGreaterThan(losses[0], 3.0)       // ≈ ln 37 at init
        XCTAssertLessThan(losses.last!, 0.05)
    }

    func testSameSeedAndThreadsGiveBitIdenticalLosses() throws {
        for threads in [1, 2] {
            let a = try train(steps: 12, threads: threads)
            let b = try train(steps: 12, threads: threads)
            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "threads = \(threads)")
        }
        let other = try train(steps: 12, threads: 2, seed: 2)
        XCTAssertNotEqual(other, try train(steps: 12, threads: 2))
    }

    func testAssistantOnlyWeightsIgnoreMaskedTokens() throws {
        EngineThreads.set(2)
        let model = try LlamaModel(config: config, seed: 3)
        var b = try batch(seed: 5)
        b.weights = (0..<b.weights.count).map { $0 % 3 == 0 ? 1 : 0 }
        let loss = try model.loss(b)
        // Changing targets where the weight is 0 changes nothing.
        var c = b
        for i in c.targets.indices where c.weights[i] == 0 { c.targets[i] = (c.targets[i] + 1) % 37 }
        XCTAssertEqual(try model.loss(c), loss)
        // ... and changing a weighted target does.
        c.targets[0] = (c.targets[0] + 1) % 37
        XCTAssertNotEqual(try model.loss(c), loss)
    }

    func testWeightDecayOnlyTouchesMatrices() throws {
        EngineThreads.set(1)
        let model = try LlamaModel(config: config, seed: 3)
        let before = model.parameters.toArray()
        model.gradients.zero()
        let opt = AdamW(model: model, config: AdamWConfig(weightDecay: 0.5))
        opt.update(model, lr: 0.1)   // zero gradients: only decay moves parameters
        for t in model.layout.tensors {
            let i = t.offset
            if t.isMatrix {
                XCTAssertEqual(model.parameters[i], before[i] * (1 - 0.1 * 0.5), accuracy: 1e-7, t.name)
            } else {
                XCTAssertEqual(model.parameters[i], before[i], t.name)
            }
        }
    }

    func testGradientClippingBoundsTheUpdateNorm() throws {
        EngineThreads.set(1)
        let model = try LlamaModel(config: config, seed: 3)
        try model.forwardBackward(try batch(seed: 1))
        for i in 0..<model.parameterCount { model.gradients[i] *= 1000 }
        let opt = AdamW(model: model, config: AdamWConfig(gradClip: 1))
        let norm = opt.update(model, lr: 1e-3)
        XCTAssertGreaterThan(norm, 1)
        // After clipping, the first moment holds (1 − β1)·g_clipped, whose norm is (1 − β1)·1.
        XCTAssertEqual(globalNorm(opt.m.pointer, model.parameterCount), 0.1, accuracy: 1e-4)
    }

    func testLearningRateSchedule() {
        let s = LearningRateSchedule(peak: 1.0, warmupSteps: 10, totalSteps: 110, minRatio: 0.1)
        XCTAssertEqual(s.rate(at: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 9), 1.0, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 10), 1.0, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 60), 0.55, accuracy: 1e-6)   // half-way through the cosine
        XCTAssertEqual(s.rate(at: 110), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.rate(at: 500), 0.1, accuracy: 1e-6)
        for step in 10..<110 { XCTAssertGreaterThanOrEqual(s.rate(at: step), s.rate(at: step + 1)) }
    }

    func testBadBatchesAreRejected() throws {
        let model = try LlamaModel(config: config, seed: 3)
        XCTAssertThrowsError(try TrainingBatch(batchSize: 2, seqLen: 3, tokens: [1, 2], targets: [1, 2]))
        XCTAssertThrowsError(try TrainingBatch(batchSize: 1, seqLen: 2, tokens: [1, 2], targets: [1, 2], weights: [1, -1]))
        let outOfRange = try TrainingBatch(batchSize: 1, seqLen: 2, tokens: [1, 37], targets: [1, 2])
        XCTAssertThrowsError(try model.loss(outOfRange)) { XCTAssertEqual($0 as? EngineError, .tokenOutOfRange(token: 37, vocabSize: 37, position: 1)) }
        let tooLong = try TrainingBatch(batchSize: 1, seqLen: 17, tokens: .init(repeating: 1, count: 17), targets: .init(repeating: 1, count: 17))
        XCTAssertThrowsError(try model.loss(tooLong))
    }
}
