import Foundation
import RetainBackends
import RetainEngine
import RetainTokenizer

/// The engine's end-to-end demo: synthetic chat data → BPE tokenizer → SFT of a small Llama →
/// checkpoint round trip → held-out evaluation (generation, multiple choice, pre-query sampling).
/// Every number it reports is measured in the run; everything is deterministic in `seed`
/// (for a given thread count).
struct EngineDemo {
    struct Options {
        var seed: UInt64 = 0
        var threads = 2
        var steps = 800
        var outDir = URL(fileURLWithPath: "runs/demo")
        /// Progress lines go here (stdout for the table, stderr when stdout carries JSON).
        var log: (String) -> Void = { print($0) }
    }

    // Sizes chosen so the default run takes about a minute of training on two cores.
    static let trainConversations = 6000
    static let heldOutConversations = 100
    static let tokenizerVocab = 512
    static let batchSize = 16
    static let seqLen = 64
    /// 1e-3 beat 2e-3 at 800 steps (held-out loss 0.60 vs 0.68, seed 0).
    static let peakLR: Float = 1e-3
    static let preQuerySamples = 20

    let options: Options
    private let template = ChatTemplate()
    private var log: (String) -> Void { options.log }

    init(options: Options) { self.options = options }

    func run() throws -> DemoSummary {
        let t0 = Clock.now()
        EngineThreads.set(options.threads)
        // Independent streams per stage, so changing one stage leaves the others' draws alone.
        let rng = SeededRandom(seed: options.seed)

        // 1. Data.
        var dataRng = rng.derived(1)
        let splits = DemoSplits(trainCount: Self.trainConversations, heldOutCount: Self.heldOutConversations, rng: &dataRng)
        guard splits.overlap == 0 else { throw DemoError("held-out split overlaps training in \(splits.overlap) questions") }
        log("data: \(splits.train.count) train conversations (\(Set(splits.train.map(\.question)).count) distinct questions), "
            + "\(splits.heldOut.count) held-out, 0 held-out questions seen in training")

        // 2. Tokenizer.
        let tTok = Clock.now()
        let corpus = splits.train.map { template.render(conversation($0), addGenerationPrompt: false) }
        let trainedTokenizer = try BPETokenizer.train(corpus: corpus, vocabSize: Self.tokenizerVocab, specialTokens: SpecialTokens.chatML)
        log(String(format: "tokenizer: %d ids (%d merges) in %.1f s", trainedTokenizer.vocabSize, trainedTokenizer.mergeCount, Clock.now() - tTok))

        // 3. Model, baseline evaluation, training.
        let config = ModelConfig(vocabSize: trainedTokenizer.vocabSize, dModel: 128, nLayers: 4, nHeads: 8, nKVHeads: 2,
                                 ffnHidden: 384, maxSeqLen: Self.seqLen)
        var initRng = rng.derived(2)
        let model = try LlamaModel(config: config, seed: initRng.next())
        log("model: \(model.parameterCount) parameters (d_model \(config.dModel), \(config.nLayers) layers, "
            + "\(config.nHeads) heads / \(config.nKVHeads) KV heads, ffn \(config.ffnHidden), context \(config.maxSeqLen))")

        let packer = try TokenPacker(tokenizer: trainedTokenizer, template: template)
        let trainRows = try pack(splits.train, packer)
        let heldOutRows = try pack(splits.heldOut, packer)
        var mcRng = rng.derived(3)
        let mcItems = splits.heldOut.map { DemoChoiceItem(item: $0, rng: &mcRng) }
        let mcBefore = try multipleChoice(try EmbeddedLM(model: model, tokenizer: trainedTokenizer), mcItems)
        let heldOutLossBefore = try SupervisedTrainer.meanLoss(model, rows: heldOutRows)
        log(String(format: "before training: held-out loss %.3f, multiple-choice accuracy %.2f (chance 0.25)",
                   heldOutLossBefore, mcBefore.accuracy))

        var trainRng = rng.derived(4)
        let training = try train(model, rows: trainRows, seed: trainRng.next())

        // 4. Checkpoint round trip: everything after this point uses the reloaded files.
        let checkpointDir = options.outDir.appendingPathComponent("checkpoint")
        let tokenizerURL = options.outDir.appendingPathComponent("tokenizer.json")
        try Checkpoint.save(model, to: checkpointDir, metadata: ["source": "retain reproduce (engine demo)", "seed": "\(options.seed)"])
        try trainedTokenizer.save(to: tokenizerURL)
        let reloaded = try Checkpoint.load(from: checkpointDir)
        let tokenizer = try BPETokenizer.load(from: tokenizerURL)
        let identical = tokenizer == trainedTokenizer
            && reloaded.config == model.config
            && memcmp(reloaded.parameters.pointer, model.parameters.pointer, model.parameterCount * MemoryLayout<Float>.size) == 0
        guard identical else { throw DemoError("the reloaded checkpoint or tokenizer differs from what was saved") }
        log("saved and reloaded \(checkpointDir.path) and \(tokenizerURL.path): identical; evaluating the reloaded model")

        // 5. Held-out evaluation.
        let lm = try EmbeddedLM(model: reloaded, tokenizer: tokenizer, template: template)
        let heldOutLossAfter = try SupervisedTrainer.meanLoss(reloaded, rows: heldOutRows)
        let generation = try exactMatch(lm, splits.heldOut)
        let mcAfter = try multipleChoice(lm, mcItems)

        // 6. Pre-query sampling: what does the model ask when handed an empty user turn?
        var preRng = rng.derived(5)
        let preQuery = try sampleQueries(lm, trainQuestions: Set(splits.train.map(\.question)), rng: &preRng)

        return DemoSummary(
            seed: options.seed, threads: options.threads, steps: options.steps,
            batch_size: Self.batchSize, seq_len: Self.seqLen, parameters: model.parameterCount, vocab_size: tokenizer.vocabSize,
            train_conversations: splits.train.count, held_out_conversations: splits.heldOut.count,
            train_rows: trainRows.count, train_seconds: training.seconds, train_tokens_per_s: training.tokensPerSecond,
            final_train_loss: training.finalLoss, held_out_loss_before: heldOutLossBefore, held_out_loss_after: heldOutLossAfter,
            gen_exact_match: generation.accuracy, gen_exact_match_by_kind: generation.byKind,
            mc_accuracy_before: mcBefore.accuracy, mc_accuracy_after: mcAfter.accuracy, mc_accuracy_after_by_kind: mcAfter.byKind,
            mc_chance: 0.25,
            prequery_valid_share: preQuery.validShare, prequery_novel_share: preQuery.novelShare,
            prequery_examples: Array(preQuery.samples.prefix(3)),
            checkpoint: checkpointDir.path, total_seconds: Clock.now() - t0)
    }

    private func conversation(_ item: DemoItem) -> [ChatMessage] {
        [ChatMessage(role: .user, content: item.question), ChatMessage(role: .assistant, content: item.answer)]
    }

    // MARK: Training

    struct TrainingResult { var seconds: Double; var tokensPerSecond: Double; var finalLoss: Double }

    /// Conversations as role-weighted token rows of `seqLen + 1`: the model learns to answer
    /// (weight 1), learns a little of how users ask (0.1, enough for pre-query sampling), and is
    /// never graded on template tokens.
    private func pack(_ items: [DemoItem], _ packer: TokenPacker) throws -> [WeightedTokens] {
        let examples = try items.map { try packer.chat(conversation($0), weights: RoleWeights(assistant: 1, user: 0.1)) }
        if let long = examples.first(where: { $0.ids.count > Self.seqLen + 1 }) {
            throw DemoError("a conversation of \(long.ids.count) tokens does not fit a row of \(Self.seqLen)")
        }
        return packer.pack(examples, length: Self.seqLen + 1)
    }

    /// AdamW with linear warmup and cosine decay; each epoch visits the rows in a new order.
    private func train(_ model: LlamaModel, rows: [WeightedTokens], seed: UInt64) throws -> TrainingResult {
        let steps = options.steps, reportEvery = max(1, steps / 10)
        var window: [Float] = [], windowStart = 0.0, lastWindowLoss = Double.nan
        let h = TrainingHyperparameters(batchSize: Self.batchSize, learningRate: Self.peakLR, seed: seed, steps: steps)
        var last: TrainingProgress?
        try SupervisedTrainer.train(model, rows: rows, hyperparameters: h) { p in
            window.append(p.loss)
            last = p
            if p.step % reportEvery == 0 || p.step == p.totalSteps {
                lastWindowLoss = Double(window.reduce(0, +)) / Double(window.count)
                let tokens = Double(window.count * Self.batchSize * Self.seqLen)
                log(String(format: "step %5d/%d  loss %.4f  lr %.2e  %6.0f tokens/s", p.step, p.totalSteps, lastWindowLoss,
                           p.learningRate, tokens / max(p.elapsed - windowStart, 1e-9)))
                window = []; windowStart = p.elapsed
            }
        }
        return TrainingResult(seconds: last?.elapsed ?? 0, tokensPerSecond: last?.tokensPerSecond ?? 0, finalLoss: lastWindowLoss)
    }

    // MARK: Evaluation

    struct Accuracy { var accuracy: Double; var byKind: [String: Double] }

    private static func accuracy(_ correct: [(DemoTask, Bool)]) -> Accuracy {
        var byKind: [String: Double] = [:]
        for task in DemoTask.allCases {
            let mine = correct.filter { $0.0 == task }
            if !mine.isEmpty { byKind[task.rawValue] = Double(mine.filter(\.1).count) / Double(mine.count) }
        }
        return Accuracy(accuracy: Double(correct.filter(\.1).count) / Double(correct.count), byKind: byKind)
    }

    private func prompt(_ item: DemoItem) -> TextPrompt { .chat([ChatMessage(role: .user, content: item.question)]) }

    /// Greedy generation from the chat prompt (it stops at `<|im_end|>`), compared verbatim with the reference.
    private func exactMatch(_ lm: EmbeddedLM, _ items: [DemoItem]) throws -> Accuracy {
        let outputs = try lm.generate(items.map { TextGenerationRequest(prompt: prompt($0), maxTokens: 24) })
        return Self.accuracy(zip(items, outputs).map { ($0.task, $1 == $0.answer) })
    }

    /// Scores the four candidate answers after the shared prompt and picks the most likely one.
    private func multipleChoice(_ lm: EmbeddedLM, _ items: [DemoChoiceItem]) throws -> Accuracy {
        let scores = try lm.loglikelihood(items.map { TextLoglikelihoodRequest(prompt: prompt($0.item), continuations: $0.choices) })
        return Self.accuracy(zip(items, scores).map { mc, s in
            (mc.item.task, s.indices.max { s[$0].logprob < s[$1].logprob } == mc.answerIndex)
        })
    }

    struct PreQueryResult { var validShare: Double; var novelShare: Double; var samples: [PreQuerySample] }

    /// Samples user turns from the pre-query prefix (temperature 1, top-p 0.98) and checks which
    /// parse as a known question kind, and which of those never occurred in training.
    private func sampleQueries(_ lm: EmbeddedLM, trainQuestions: Set<String>, rng: inout SeededRandom) throws -> PreQueryResult {
        let sampling = try SamplingParameters(temperature: 1.0, topP: 0.98)
        let requests = (0..<Self.preQuerySamples).map { _ in
            TextGenerationRequest(prompt: .raw(template.preQueryPrefix), maxTokens: 32, sampling: sampling, seed: rng.next())
        }
        let samples = try lm.generate(requests).map { text in
            PreQuerySample(text: text, kind: DemoWorld.parse(text)?.task.rawValue, seen_in_training: trainQuestions.contains(text))
        }
        let valid = samples.filter { $0.kind != nil }
        return PreQueryResult(validShare: Double(valid.count) / Double(samples.count),
                              novelShare: Double(valid.filter { !$0.seen_in_training }.count) / Double(samples.count),
                              samples: samples)
    }
}

/// A held-out item with its four shuffled candidate answers.
struct DemoChoiceItem {
    var item: DemoItem
    var choices: [String]
    var answerIndex: Int

    init(item: DemoItem, rng: inout SeededRandom) {
        self.item = item
        var choices = [item.answer] + DemoWorld.distractors(for: item, &rng)
        rng.shuffle(&choices)
        self.choices = choices
        answerIndex = choices.firstIndex(of: item.answer)!
    }
}

struct PreQuerySample: Codable {
    var text: String
    /// The question kind it parses as, or nil.
    var kind: String?
    var seen_in_training: Bool
}

/// Everything the demo measured; printed as a table or as JSON.
struct DemoSummary: Codable {
    var seed: UInt64
    var threads: Int
    var steps: Int
    var batch_size: Int
    var seq_len: Int
    var parameters: Int
    var vocab_size: Int
    var train_conversations: Int
    var held_out_conversations: Int
    var train_rows: Int
    var train_seconds: Double
    var train_tokens_per_s: Double
    var final_train_loss: Double
    var held_out_loss_before: Double
    var held_out_loss_after: Double
    var gen_exact_match: Double
    var gen_exact_match_by_kind: [String: Double]
    var mc_accuracy_before: Double
    var mc_accuracy_after: Double
    var mc_accuracy_after_by_kind: [String: Double]
    var mc_chance: Double
    var prequery_valid_share: Double
    var prequery_novel_share: Double
    var prequery_examples: [PreQuerySample]
    var checkpoint: String
    var total_seconds: Double

    var table: String {
        func kinds(_ d: [String: Double]) -> String {
            DemoTask.allCases.compactMap { t in d[t.rawValue].map { String(format: "%@ %.2f", t.rawValue, $0) } }.joined(separator: ", ")
        }
        var lines = [
            "",
            "Engine demo summary (seed \(seed), \(threads) threads)",
            String(format: "  model                     %d parameters, vocab %d, %d steps of %d×%d tokens", parameters, vocab_size, steps, batch_size, seq_len),
            String(format: "  train time                %.1f s", train_seconds),
            String(format: "  throughput                %.0f tokens/s", train_tokens_per_s),
            String(format: "  final train loss          %.4f (mean of the last 10%% of steps)", final_train_loss),
            String(format: "  held-out loss             %.4f before → %.4f after", held_out_loss_before, held_out_loss_after),
            String(format: "  generation exact match    %.2f  (%@)", gen_exact_match, kinds(gen_exact_match_by_kind)),
            String(format: "  multiple choice accuracy  %.2f before → %.2f after (chance %.2f)", mc_accuracy_before, mc_accuracy_after, mc_chance),
            String(format: "                            after: %@", kinds(mc_accuracy_after_by_kind)),
            String(format: "  pre-query valid share     %.2f (%.2f valid and not in training)", prequery_valid_share, prequery_novel_share),
        ]
        lines.append("  pre-query examples:")
        for s in prequery_examples {
            lines.append("    \(s.text.debugDescription) → " + (s.kind.map { "valid \($0)" + (s.seen_in_training ? " (seen in training)" : " (novel)") } ?? "not a known question"))
        }
        lines.append("  checkpoint                \(checkpoint)")
        lines.append(String(format: "  total time                %.1f s", total_seconds))
        return lines.joined(separator: "\n")
    }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
