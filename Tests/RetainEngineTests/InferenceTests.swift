import XCTest
@testable import RetainEngine

final class InferenceTests: XCTestCase {
    override func setUp() { EngineThreads.set(2) }

    let config = ModelConfig(vocabSize: 31, dModel: 32, nLayers: 2, nHeads: 4, nKVHeads: 2, ffnHidden: 48, maxSeqLen: 40)

    /// A model with larger-than-init weights so that its predictions are far from uniform.
    func makeModel(seed: UInt64 = 11) throws -> LlamaModel {
        let m = try LlamaModel(config: config, seed: seed)
        var rng = SeededRandom(seed: seed &+ 100)
        for t in m.layout.tensors where t.isMatrix {
            for i in 0..<t.count { m.parameters[t.offset + i] = rng.nextGaussian() * 0.25 }
        }
        return m
    }

    /// Logits of every position of one sequence by a full (uncached) training-path forward.
    func fullLogits(_ m: LlamaModel, _ tokens: [Int32]) throws -> [Float] {
        let b = try TrainingBatch(batchSize: 1, seqLen: tokens.count, tokens: tokens, targets: tokens)
        try m.loss(b)
        return m.lastLogits()
    }

    func testCachedLogitsMatchFullForward() throws {
        let m = try makeModel()
        let tokens: [Int32] = [3, 9, 1, 30, 4, 4, 17, 2, 8, 12]
        let full = try fullLogits(m, tokens)
        let s = InferenceSession(model: m, slots: 2)
        // Prefill 6 tokens, then feed the rest one at a time.
        var cached = try s.forward([(0, Array(tokens[0..<6]))], logits: .all)
        for t in tokens[6...] { cached += try s.forward([(0, [t])], logits: .last) }
        XCTAssertEqual(cached.count, full.count)
        let worst = zip(cached, full).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-4)
    }

    func testGreedyGenerationWithCacheEqualsFullRecomputation() throws {
        let m = try makeModel()
        let prompts: [[Int32]] = [[1, 2, 3], [7], [30, 29, 28, 27, 26], [5, 5]]
        let results = try m.generate(prompts.map { GenerationRequest(prompt: $0, maxNewTokens: 20) }, batchSize: 3)
        let V = config.vocabSize
        for (p, r) in zip(prompts, results) {
            var seq = p
            var expected: [Int32] = []
            for _ in 0..<20 {
                let logits = try fullLogits(m, seq)
                let next = logits.withUnsafeBufferPointer { Int32(argmax(UnsafeBufferPointer(rebasing: $0[((seq.count - 1) * V)...]))) }
                expected.append(next); seq.append(next)
            }
            XCTAssertEqual(r.tokens, expected)
            XCTAssertEqual(r.finishReason, .length)
        }
        // The generations must not be trivial (a constant token would hide cache bugs).
        XCTAssertGreaterThan(Set(results.flatMap(\.tokens)).count, 3)
    }

    func testSamplingIsSeededAndIndependentOfBatching() throws {
        let m = try makeModel()
        let sampling = try SamplingParameters(temperature: 1.0, topK: 0, topP: 0.98)
        let reqs = (0..<5).map { GenerationRequest(prompt: [Int32($0 + 1)], maxNewTokens: 12, sampling: sampling, seed: UInt64($0)) }
        let a = try m.generate(reqs, batchSize: 5)
        let b = try m.generate(reqs, batchSize: 2)
        let c = try m.generate(reqs, batchSize: 5)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, c)
        var other = reqs; other[0].seed = 99
        XCTAssertNotEqual(try m.generate(other, batchSize: 5)[0].tokens, a[0].tokens)
    }

    func testStopSequencesAndLimits() throws {
        let m = try makeModel()
        let free = try m.generate([GenerationRequest(prompt: [1, 2], maxNewTokens: 10)])[0].tokens
        // Stop on the 3rd and 4th generated tokens: the output keeps the first two.
        let stop = Array(free[2...3])
        let r = try m.generate([GenerationRequest(prompt: [1, 2], maxNewTokens: 10, stopSequences: [[99, 98], stop])])[0]
        XCTAssertEqual(r.finishReason, .stop(1))
        XCTAssertNotEqual(Array(free[0..<2]), stop, "pick a prompt whose stop pair does not also occur earlier")
        XCTAssertEqual(r.tokens, Array(free[0..<2]))
        // The context window bounds generation.
        let long = try m.generate([GenerationRequest(prompt: Array(repeating: 1, count: 35), maxNewTokens: 50)])[0]
        XCTAssertEqual(long.finishReason, .contextFull)
        XCTAssertEqual(long.tokens.count, 40 - 35 + 1)
        // A caller-side stop check (how text-level stop strings are wired).
        let custom = try m.generate([GenerationRequest(prompt: [1, 2], maxNewTokens: 10)],
                                    shouldStop: { _, toks in toks.count == 4 ? 1 : nil })[0]
        XCTAssertEqual(custom.tokens, Array(free[0..<3]))
        XCTAssertThrowsError(try m.generate([GenerationRequest(prompt: [], maxNewTokens: 3)]))
        XCTAssertThrowsError(try m.generate([GenerationRequest(prompt: [31], maxNewTokens: 3)]))
    }

    func testTopKOneAndTinyTopPAreGreedy() throws {
        var rng = SeededRandom(seed: 3)
        let logits: [Float] = (0..<50).map { _ in rng.nextGaussian() * 2 }
        let best = logits.withUnsafeBufferPointer { argmax($0) }
        for params in [try SamplingParameters(temperature: 1, topK: 1), try SamplingParameters(temperature: 1, topP: 1e-6)] {
            for _ in 0..<50 {
                XCTAssertEqual(logits.withUnsafeBufferPointer { params.sample($0, rng: &rng) }, Int32(best))
            }
        }
        XCTAssertThrowsError(try SamplingParameters(temperature: -1))
        XCTAssertThrowsError(try SamplingParameters(topP: 0))
        XCTAssertThrowsError(try SamplingParameters(topK: -2))
    }

    func testSamplingFollowsTheSoftmaxDistribution() throws {
        let logits: [Float] = [0, log(2), log(3), log(4)]   // probabilities 0.1, 0.2, 0.3, 0.4
        var rng = SeededRandom(seed: 5)
        var counts = [0, 0, 0, 0]
        let p = try SamplingParameters(temperature: 1)
        let n = 40_000
        for _ in 0..<n { counts[Int(logits.withUnsafeBufferPointer { p.sample($0, rng: &rng) })] += 1 }
        for (i, expected) in [0.1, 0.2, 0.3, 0.4].enumerated() {
            XCTAssertEqual(Double(counts[i]) / Double(n), expected, accuracy: 0.01)
        }
        // top-k 2 keeps the two largest, renormalised: 3/7 and 4/7.
        let k2 = try SamplingParameters(temperature: 1, topK: 2)
        counts = [0, 0, 0, 0]
        for _ in 0..<n { counts[Int(logits.withUnsafeBufferPointer { k2.sample($0, rng: &rng) })] += 1 }
        XCTAssertEqual(counts[0] + counts[1], 0)
        XCTAssertEqual(Double(counts[3]) / Double(n), 4.0 / 7, accuracy: 0.01)
        // top-p 0.65 keeps 0.4 + 0.3 (the smallest prefix reaching 0.65).
        let p65 = try SamplingParameters(temperature: 1, topP: 0.65)
        counts = [0, 0, 0, 0]
        for _ in 0..<n { counts[Int(logits.withUnsafeBufferPointer { p65.sample($0, rng: &rng) })] += 1 }
        XCTAssertEqual(counts[0] + counts[1], 0)
        XCTAssertEqual(Double(counts[2]) / Double(n), 3.0 / 7, accuracy: 0.01)
    }

    func testLoglikelihoodMatchesFullForward() throws {
        let m = try makeModel()
        let V = config.vocabSize
        let requests = [
            LoglikelihoodRequest(context: [4, 8, 15, 16], continuations: [[23], [23, 5, 1], [0, 0]]),
            LoglikelihoodRequest(context: [2], continuations: [[9, 9, 9, 9]]),
        ]
        let scores = try m.loglikelihood(requests, maxSlots: 5)   // forces two groups
        for (req, reqScores) in zip(requests, scores) {
            for (cont, score) in zip(req.continuations, reqScores) {
                let seq = req.context + cont
                let logits = try fullLogits(m, seq)
                var lp = 0.0, greedy = true
                for (i, tok) in cont.enumerated() {
                    let row = req.context.count - 1 + i
                    logits.withUnsafeBufferPointer { b in
                        let r = UnsafeBufferPointer(rebasing: b[(row * V)..<((row + 1) * V)])
                        lp += logSoftmax(r, at: Int(tok))
                        greedy = greedy && argmax(r) == Int(tok)
                    }
                }
                XCTAssertEqual(score.logprob, lp, accuracy: 1e-3)
                XCTAssertEqual(score.isGreedy, greedy)
                XCTAssertLessThan(score.logprob, 0)
            }
        }
        // The greedy continuation is recognised as greedy.
        let g = try m.generate([GenerationRequest(prompt: [4, 8, 15, 16], maxNewTokens: 3)])[0].tokens
        XCTAssertTrue(try m.loglikelihood([LoglikelihoodRequest(context: [4, 8, 15, 16], continuations: [g])])[0][0].isGreedy)
        XCTAssertThrowsError(try m.loglikelihood([LoglikelihoodRequest(context: [], continuations: [[1]])]))
        XCTAssertThrowsError(try m.loglikelihood([LoglikelihoodRequest(context: [1], continuations: [[40]])]))
    }

    /// Head width 12 and a window of 45 (neither a multiple of 8) take the scalar tails of the
    /// cached attention; the result must still match the training-path forward.
    func testCachedAttentionOnOddShapesMatchesFullForward() throws {
        let odd = ModelConfig(vocabSize: 29, dModel: 36, nLayers: 2, nHeads: 3, nKVHeads: 1, ffnHidden: 40, maxSeqLen: 45)
        let m = try LlamaModel(config: odd, seed: 5)
        var rng = SeededRandom(seed: 77)
        for t in m.layout.tensors where t.isMatrix {
            for i in 0..<t.count { m.parameters[t.offset + i] = rng.nextGaussian() * 0.25 }
        }
        let tokens = (0..<45).map { _ in Int32(rng.next() % 29) }
        let b = try TrainingBatch(batchSize: 1, seqLen: tokens.count, tokens: tokens, targets: tokens)
        try m.loss(b)
        let full = m.lastLogits()
        let s = InferenceSession(model: m, slots: 3)
        var cached = try s.forward([(1, Array(tokens[0..<30]))], logits: .all)
        for t in tokens[30...] { cached += try s.forward([(1, [t])], logits: .last) }
        XCTAssertEqual(cached.count, full.count)
        XCTAssertLessThan(zip(cached, full).map { abs($0 - $1) }.max()!, 1e-4)
    }

    /// Sessions reuse the caches of finished ones without clearing them; whatever an earlier
    /// session left there must not change a later result, bit for bit.
    func testRecycledCacheContentsDoNotChangeResults() throws {
        let m = try makeModel()
        let requests = [
            LoglikelihoodRequest(context: [4, 8, 15, 16], continuations: [[23], [23, 5, 1], [0, 0]]),
            LoglikelihoodRequest(context: [2, 7], continuations: [[9, 9, 9, 9], [3]]),
        ]
        let first = try m.loglikelihood(requests, maxSlots: 8)
        // Fill caches of the same size with other long sequences, then score again.
        let other = try makeModel(seed: 99)
        _ = try other.loglikelihood([LoglikelihoodRequest(context: Array(repeating: 30, count: 35), continuations: [[1, 2, 3, 4], [5], [6, 7]]),
                                     LoglikelihoodRequest(context: Array(1...30).map(Int32.init), continuations: [[8, 8, 8]])], maxSlots: 8)
        XCTAssertEqual(try m.loglikelihood(requests, maxSlots: 8), first)
        let prompts = [GenerationRequest(prompt: [1, 2, 3], maxNewTokens: 12), GenerationRequest(prompt: [5], maxNewTokens: 20)]
        let generated = try m.generate(prompts, batchSize: 2)
        _ = try other.generate([GenerationRequest(prompt: Array(repeating: 7, count: 30), maxNewTokens: 9),
                                GenerationRequest(prompt: [4, 4], maxNewTokens: 30)], batchSize: 2)
        XCTAssertEqual(try m.generate(prompts, batchSize: 2), generated)
    }

    /// The integer-key sort orders candidates exactly as the comparator it replaced: by logit
    /// descending, ties (including −0 against +0) by id ascending.
    func testDescendingOrderMatchesTheComparatorSort() {
        var rng = SeededRandom(seed: 3)
        for trial in 0..<50 {
            let V = 1 + Int(rng.next() % 300)
            // Few distinct values, so ties are common; signed zeros and extremes included.
            let palette: [Float] = [0, -0.0, 1, -1, 2.5, -2.5, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                    .infinity, -.infinity, 1e-30, -1e-30, 7]
            let logits: [Float] = (0..<V).map { _ in
                trial % 2 == 0 ? palette[Int(rng.next() % UInt64(palette.count))] : rng.nextGaussian() * 3
            }
            let expected = Array(0..<V).sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            XCTAssertEqual(logits.withUnsafeBufferPointer { descendingOrder($0) }, expected, "trial \(trial)")
        }
    }
}
