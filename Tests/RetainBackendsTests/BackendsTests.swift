import RetainCore
import RetainEngine
import RetainTokenizer
import XCTest
@testable import RetainBackends

final class TokenPackerTests: XCTestCase {
    func tokenizer() throws -> BPETokenizer {
        try BPETokenizer.train(corpus: ["What is the capital of Velora? The answer is Tashkum."], vocabSize: 300,
                               specialTokens: SpecialTokens.chatML)
    }

    func testChatWeightsFollowRoles() throws {
        let packer = try TokenPacker(tokenizer: try tokenizer())
        let chat = [ChatMessage(role: .user, content: "hi there"), ChatMessage(role: .assistant, content: "hello")]
        let ex = try packer.chat(chat, weights: RoleWeights(assistant: 1, user: 0.1))
        let enc = try ChatTemplate().encode(chat, with: packer.tokenizer)
        XCTAssertEqual(ex.ids.count, enc.count + 1)                       // leading <|endoftext|>
        XCTAssertEqual(ex.weights[0], 0)
        for (i, role) in enc.roles.enumerated() {
            XCTAssertEqual(ex.weights[i + 1], role == .assistant ? 1 : role == .user ? 0.1 : 0)
        }
        XCTAssertTrue(ex.weights.contains(1) && ex.weights.contains(0.1))
    }

    func testPackingKeepsExamplesWholeAndPadsWithZeroWeight() throws {
        let packer = try TokenPacker(tokenizer: try tokenizer())
        let eot = Int32(packer.tokenizer.id(ofSpecial: SpecialTokens.endOfText)!)
        let a = WeightedTokens(ids: [1, 2, 3, 4], weights: [0, 1, 1, 1])
        let b = WeightedTokens(ids: [5, 6, 7], weights: [0, 1, 1])
        let c = WeightedTokens(ids: Array(10..<23), weights: [Float](repeating: 1, count: 13))   // longer than a row
        let rows = packer.pack([a, b, c], length: 8)
        XCTAssertTrue(rows.allSatisfy { $0.ids.count == 8 && $0.weights.count == 8 })
        XCTAssertEqual(rows[0].ids, [1, 2, 3, 4, 5, 6, 7, eot])
        XCTAssertEqual(rows[0].weights, [0, 1, 1, 1, 0, 1, 1, 0])
        // The long example is cut into row-sized pieces that overlap by one token of context.
        XCTAssertEqual(rows[1].ids, Array(10..<18))
        XCTAssertEqual(rows[2].ids.prefix(6), Array(17..<23)[...])
        XCTAssertEqual(rows[2].weights.suffix(2), [0, 0])
        XCTAssertEqual(rows.count, 3)
    }

    func testBatchFromRowsShiftsTargets() throws {
        let rows = [WeightedTokens(ids: [1, 2, 3], weights: [0, 0.5, 1]), WeightedTokens(ids: [4, 5, 6], weights: [0, 1, 0])]
        let b = try TrainingBatch(rows: rows[...])
        XCTAssertEqual(b.tokens, [1, 2, 4, 5])
        XCTAssertEqual(b.targets, [2, 3, 5, 6])
        XCTAssertEqual(b.weights, [0.5, 1, 1, 0])
        XCTAssertThrowsError(try TrainingBatch(rows: [rows[0], WeightedTokens(ids: [1], weights: [1])][...]))
    }
}

final class EmbeddedTrainingTests: XCTestCase {
    /// A tiny closed-book task: the model must learn an arbitrary mapping of names to names.
    let facts = [("Velora", "Tashkum"), ("Brimst", "Oquel"), ("Zandor", "Philo"), ("Kestra", "Umbrin"),
                 ("Lomax", "Ritu"), ("Marvek", "Sable")]

    func chats() -> [[ChatMessage]] {
        facts.map { [ChatMessage(role: .user, content: "Capital of \($0.0)?"), ChatMessage(role: .assistant, content: "The answer is \($0.1).")] }
    }

    func trainedLM(seed: UInt64) throws -> (EmbeddedLM, [Float]) {
        EngineThreads.set(2)
        let corpus = chats().map { ChatTemplate().render($0, addGenerationPrompt: false) }
        let tok = try BPETokenizer.train(corpus: corpus, vocabSize: 320, specialTokens: SpecialTokens.chatML)
        let packer = try TokenPacker(tokenizer: tok)
        let examples = try chats().map { try packer.chat($0, weights: RoleWeights(assistant: 1, user: 0.1)) }
        let rows = packer.pack(examples, length: 33)
        let model = try LlamaModel(config: ModelConfig(vocabSize: 320, dModel: 64, nLayers: 2, nHeads: 4, nKVHeads: 2,
                                                       ffnHidden: 128, maxSeqLen: 48), seed: seed)
        let losses = try SupervisedTrainer.train(model, rows: rows, hyperparameters: TrainingHyperparameters(
            batchSize: 4, epochs: 150, learningRate: 3e-3, seed: seed))
        return (try EmbeddedLM(model: model, tokenizer: tok), losses)
    }

    func testTrainingTeachesTheMappingAndTheTextInterfaceReadsItBack() throws {
        let (lm, losses) = try trainedLM(seed: 1)
        XCTAssertLessThan(losses.last!, 0.1 * losses.first!)
        let answers = try lm.generate(chats().map { TextGenerationRequest(prompt: .chat([$0[0]]), maxTokens: 20) })
        XCTAssertEqual(answers, facts.map { "The answer is \($0.1)." })
        // Log-likelihood prefers the trained answer over every other name, and flags it greedy.
        let scores = try lm.loglikelihood(facts.map { f in
            TextLoglikelihoodRequest(prompt: .chat([ChatMessage(role: .user, content: "Capital of \(f.0)?")]),
                                     continuations: facts.map { "The answer is \($0.1)." })
        })
        for (i, s) in scores.enumerated() {
            XCTAssertEqual(s.indices.max { s[$0].logprob < s[$1].logprob }, i)
            XCTAssertTrue(s[i].isGreedy)
        }
        // Text-level stop strings cut the output; raw prompts honour special tokens.
        let cut = try lm.generate([TextGenerationRequest(prompt: .chat([chats()[0][0]]), maxTokens: 20, stop: [" Tash"])])
        XCTAssertEqual(cut, ["The answer is"])
        let raw = try lm.generate([TextGenerationRequest(prompt: .raw("<|im_start|>user\nCapital of Velora?<|im_end|>\n<|im_start|>assistant\n"), maxTokens: 20)])
        XCTAssertEqual(raw, ["The answer is Tashkum."])
        // The user-token weight taught the model to write instructions after the user-turn prefix.
        let sampled = try lm.generate([TextGenerationRequest(prompt: .raw(ChatTemplate().preQueryPrefix), maxTokens: 20)])
        XCTAssertTrue(sampled[0].hasPrefix("Capital of "), sampled[0])
    }

    func testATokenBudgetFixesTheStepsWhateverTheDataSize() throws {
        EngineThreads.set(2)
        let model = try LlamaModel(config: ModelConfig(vocabSize: 64, dModel: 16, nLayers: 1, nHeads: 2, nKVHeads: 1,
                                                       ffnHidden: 32, maxSeqLen: 16), seed: 1)
        func rows(_ n: Int) -> [WeightedTokens] {
            (0..<n).map { r in WeightedTokens(ids: (0..<17).map { Int32(($0 + r) % 64) }, weights: Array(repeating: 1, count: 17)) }
        }
        // 4 rows × 16 tokens per step: 1,000 tokens are ⌈1000 / 64⌉ = 16 steps, from 8 rows or 80.
        for n in [8, 80] {
            let losses = try SupervisedTrainer.train(try model.copy(), rows: rows(n), hyperparameters: TrainingHyperparameters(
                batchSize: 4, epochs: 1, learningRate: 1e-3, seed: 1, tokens: 1_000))
            XCTAssertEqual(losses.count, 16, "\(n) rows")
        }
        // Without a budget, epochs decide: 80 rows / 4 = 20 steps.
        XCTAssertEqual(try SupervisedTrainer.train(try model.copy(), rows: rows(80), hyperparameters: TrainingHyperparameters(
            batchSize: 4, epochs: 1, learningRate: 1e-3, seed: 1)).count, 20)
        // Settings without a budget encode as before (stage hashes of older stores stay valid).
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(FineTuneSettings()), as: UTF8.self).contains("tokens"))
    }

    func testTrainingIsDeterministic() throws {
        let a = try trainedLM(seed: 3).1, b = try trainedLM(seed: 3).1
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
    }
}
