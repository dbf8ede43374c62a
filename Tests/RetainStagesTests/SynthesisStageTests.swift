import RetainCore
import RetainStages
import RetainTestSupport
import XCTest

final class SynthesisStageTests: XCTestCase {
    func testDedupDropsExactAndNearDuplicatesAndNothingElse() {
        let texts = [
            "What is the capital of Velora?",                          // 0 keep
            "what is the capital of velora",                           // 1 exact (same words)
            "What is the capital of Velora? Answer briefly please.",   // 2 keep: trigram Jaccard 4/9 < 0.8
            "Name the capital city of the country Velora for me now",  // 3 keep
            "Name the capital city of the country Velora for me now please", // 4 near: 9 of 10 trigrams shared
            "What is the capital of Arolev?",                          // 5 keep: 3/5... below 0.8
            "Add 3 and 4.",                                            // 6 keep
            "Add 3 and 5.",                                            // 7 keep: differs in a word
            "hi",                                                      // 8 keep (short: exact only)
            "Hi!",                                                     // 9 exact of 8
        ]
        let verdicts = NearDuplicateFilter(threshold: 0.8).verdicts(texts)
        XCTAssertEqual(verdicts[0], .keep)
        XCTAssertEqual(verdicts[1], .exactDuplicate(of: 0))
        XCTAssertEqual(verdicts[2], .keep)
        XCTAssertEqual(verdicts[3], .keep)
        guard case let .nearDuplicate(of: 3, jaccard: j) = verdicts[4] else { return XCTFail("\(verdicts[4])") }
        XCTAssertEqual(j, 9.0 / 10.0, accuracy: 1e-12)
        XCTAssertEqual(verdicts[5], .keep)
        XCTAssertEqual(verdicts[6], .keep)
        XCTAssertEqual(verdicts[7], .keep)
        XCTAssertEqual(verdicts[8], .keep)
        XCTAssertEqual(verdicts[9], .exactDuplicate(of: 8))
        // Threshold 1.0 keeps near duplicates; only exact ones go.
        let exactOnly = NearDuplicateFilter(threshold: 1.0).verdicts(texts)
        XCTAssertEqual(exactOnly.filter { $0 != .keep }.count, 2)
    }

    /// The LSH candidate search never misses a pair the brute-force Jaccard would drop, on random
    /// word sequences built to have many near duplicates.
    func testDedupMatchesBruteForce() {
        var rng = WorldRandom(seed: 7)
        let vocabulary = (0..<30).map { "w\($0)" }
        var texts: [String] = []
        for _ in 0..<400 {
            if !texts.isEmpty, rng.chance(0.4) {
                // Append a word or change the last: a near copy, at trigram Jaccard 0.5–0.9.
                var words = NearDuplicateFilter.words(rng.pick(texts))
                if rng.chance(0.5) { words.append(rng.pick(vocabulary)) } else { words[words.count - 1] = rng.pick(vocabulary) }
                texts.append(words.joined(separator: " "))
            } else {
                texts.append((0..<rng.int(in: 6...16)).map { _ in rng.pick(vocabulary) }.joined(separator: " "))
            }
        }
        let threshold = 0.7
        let verdicts = NearDuplicateFilter(threshold: threshold).verdicts(texts)
        var kept: [Int] = []
        var expected: [Bool] = []
        for (i, t) in texts.enumerated() {
            let dup = kept.contains { NearDuplicateFilter.similarity(texts[$0], t) >= threshold }
            if !dup { kept.append(i) }
            expected.append(!dup)
        }
        XCTAssertEqual(verdicts.map { $0 == .keep }, expected)
        XCTAssertGreaterThan(expected.filter { !$0 }.count, 50, "the fixture should contain many near duplicates")
    }

    func testReconstructionSendsOnlyThePrefixAndCountsEveryDrop() throws {
        let outputs: [Completion] = [
            .init(text: "  What is the capital of Velora?  ", finishReason: .stop),
            .init(text: "", finishReason: .stop),
            .init(text: "Hi", finishReason: .stop),
            .init(text: "What is the capital of Velora?", finishReason: .stop),
            .init(text: "Sort these numbers: 5, 3, 9 and then also", finishReason: .length),
            .init(text: String(repeating: "long ", count: 30), finishReason: .stop),
            .init(text: "Reverse the word arolev.", finishReason: .stop),
        ]
        var i = 0
        let model = ScriptedLanguageModel(identifier: "m", reply: { _, _ in defer { i += 1 }; return outputs[i] })
        let config = InstructionReconstruction.Config(count: outputs.count, minChars: 8, maxChars: 100, seed: 3)
        let out = try InstructionReconstruction.run(model: model, config: config)
        XCTAssertEqual(out.instructions, ["What is the capital of Velora?", "Reverse the word arolev."])
        let s = out.stats
        XCTAssertEqual([s.sampled, s.empty, s.tooShort, s.unfinished, s.tooLong, s.exactDuplicates, s.nearDuplicates, s.kept],
                       [7, 1, 1, 1, 1, 1, 0, 2])
        let requests = model.generationRequests
        XCTAssertEqual(requests.count, 7)
        for (prompt, options) in requests {
            XCTAssertEqual(prompt, .raw("<|im_start|>user\n"))
            XCTAssertEqual(options.stop, ["<|im_end|>"])
            XCTAssertEqual(options.temperature, 1.0)
            XCTAssertEqual(options.topP, 0.98)
        }
        XCTAssertEqual(Set(requests.map(\.1.seed)).count, 7, "every sample has its own seed")
    }

    func testResponseSeedsDependOnlyOnCoordinates() throws {
        let echo = ScriptedLanguageModel(identifier: "echo", reply: { _, o in Completion(text: "seed \(o.seed)", finishReason: .stop) })
        let three = try ResponseGeneration.run(instructions: ["a", "b"], generators: [NamedModel(name: "g", model: echo)],
                                               config: .init(responsesPerModel: 3, seed: 5))
        let one = try ResponseGeneration.run(instructions: ["a", "b"], generators: [NamedModel(name: "g", model: echo)],
                                             config: .init(responsesPerModel: 1, seed: 5))
        XCTAssertEqual(three.map { $0.count }, [3, 3])
        XCTAssertEqual(one.map { $0[0] }, three.map { $0[0] })
        XCTAssertEqual(Set(three.flatMap { $0.map(\.text) }).count, 6)
    }
}
