import Foundation
import RetainCore
import RetainEngine
import RetainTokenizer

/// A prompt at the level of text: chat messages rendered with the model's template (content is
/// encoded so it can never produce a control token), or a raw string whose special-token strings
/// are honoured (the pre-query trick sends the bare user-turn prefix).
public enum TextPrompt: Sendable, Hashable {
    case chat([ChatMessage])
    case raw(String)
}

/// A text-level request to continue a prompt.
public struct TextGenerationRequest: Sendable {
    public var prompt: TextPrompt
    public var maxTokens: Int
    public var sampling: SamplingParameters
    public var seed: UInt64
    /// Strings that end generation; the output is cut before the first one.
    public var stop: [String]

    public init(prompt: TextPrompt, maxTokens: Int, sampling: SamplingParameters = .greedy, seed: UInt64 = 0, stop: [String] = []) {
        self.prompt = prompt; self.maxTokens = maxTokens; self.sampling = sampling; self.seed = seed; self.stop = stop
    }
}

/// A text-level log-likelihood request: continuations scored after one shared prompt.
public struct TextLoglikelihoodRequest: Sendable {
    public var prompt: TextPrompt
    public var continuations: [String]
    public init(prompt: TextPrompt, continuations: [String]) { self.prompt = prompt; self.continuations = continuations }
}

/// The embedded engine and tokenizer behind a text-in, text-out interface.
public final class EmbeddedLM: @unchecked Sendable {
    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate
    /// Tokens that always end a generation: end of turn and end of text.
    let stopTokens: [[Int32]]
    let beginOfSequence: Int32
    /// Hash of the weights, the model config and the tokenizer: equal identifiers, equal outputs.
    public let identifier: String

    public init(model: LlamaModel, tokenizer: BPETokenizer, template: ChatTemplate = ChatTemplate()) throws {
        guard tokenizer.vocabSize <= model.config.vocabSize else {
            throw EngineError.invalidArgument("tokenizer has \(tokenizer.vocabSize) tokens but the model only \(model.config.vocabSize)")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
        guard let eot = tokenizer.id(ofSpecial: SpecialTokens.endOfText) else {
            throw TokenizerError.missingSpecialToken(SpecialTokens.endOfText)
        }
        beginOfSequence = Int32(eot)
        identifier = "embedded:" + ContentHash.hex(ContentHash.fnv1a64(bytes: UnsafeBufferPointer(
            start: UnsafeRawPointer(model.parameters.pointer).assumingMemoryBound(to: UInt8.self),
            count: model.parameterCount * MemoryLayout<Float>.size)) ^ ContentHash.fnv1a64((try? ContentHash.of(model.config)) ?? "")
            ^ ContentHash.fnv1a64((try? ContentHash.of(tokenizer)) ?? ""))
        stopTokens = [SpecialTokens.imEnd, SpecialTokens.endOfText].compactMap { tokenizer.id(ofSpecial: $0) }.map { [Int32($0)] }
    }

    /// Token ids of a prompt; chat prompts end with the assistant header (a generation prompt).
    /// Every prompt starts with <|endoftext|>, as every training sequence does (`TokenPacker`), so
    /// it plays the part of a beginning-of-sequence token.
    public func encode(_ prompt: TextPrompt) throws -> [Int32] {
        let body: [Int]
        switch prompt {
        case let .chat(messages):
            body = try template.encode(messages, with: tokenizer, addGenerationPrompt: true).ids
        case let .raw(text):
            body = tokenizer.encode(text, allowSpecial: true)
        }
        return [beginOfSequence] + body.map(Int32.init)
    }

    /// Continues every request (batched with a KV cache) and returns the decoded text of each.
    public func generate(_ requests: [TextGenerationRequest], batchSize: Int = EmbeddedLM.generationBatch,
                         progress: ((Int) -> Void)? = nil) throws -> [String] {
        try complete(requests, batchSize: batchSize, progress: progress).map(\.text)
    }

    /// Like `generate`, with the reason each generation ended.
    public func complete(_ requests: [TextGenerationRequest], batchSize: Int = EmbeddedLM.generationBatch,
                         progress: ((Int) -> Void)? = nil) throws -> [Completion] {
        let engineRequests = try requests.map { r in
            GenerationRequest(prompt: try fit(encode(r.prompt), reserve: 1), maxNewTokens: r.maxTokens,
                              sampling: r.sampling, seed: r.seed, stopSequences: stopTokens)
        }
        // Text-level stops: decode as we go; cutting happens on the final text.
        let anyTextStop = requests.contains { !$0.stop.isEmpty }
        let check: ((Int, [Int32]) -> Int?)? = anyTextStop ? { [tokenizer] i, tokens in
            let stops = requests[i].stop
            guard !stops.isEmpty else { return nil }
            let text = (try? tokenizer.decode(tokens.map(Int.init))) ?? ""
            return stops.contains { text.contains($0) } ? 0 : nil
        } : nil
        let results = try model.generate(engineRequests, batchSize: batchSize, shouldStop: check, progress: progress)
        return try zip(requests, results).map { r, res in
            var text = try tokenizer.decode(res.tokens.map(Int.init))
            if let cut = r.stop.compactMap({ text.range(of: $0)?.lowerBound }).min() {
                return Completion(text: String(text[..<cut]), finishReason: .stop)
            }
            switch res.finishReason {
            case .stop: return Completion(text: text, finishReason: .stop)
            case .length, .contextFull:
                text = text.replacingOccurrences(of: "\u{FFFD}", with: "")
                return Completion(text: text, finishReason: .length)
            }
        }
    }

    /// Log-likelihood of each continuation after its prompt; each prompt is computed once.
    public func loglikelihood(_ requests: [TextLoglikelihoodRequest], progress: ((Int) -> Void)? = nil) throws -> [[ContinuationScore]] {
        let engineRequests = try requests.map { r in
            RetainEngine.LoglikelihoodRequest(context: try encode(r.prompt),
                                 continuations: r.continuations.map { tokenizer.encode($0, allowSpecial: false).map(Int32.init) })
        }
        return try model.loglikelihood(engineRequests, maxSlots: Self.loglikelihoodSlots, progress: progress)
    }

    /// Sequences decoded together (continuously batched). `retain bench inference` on the quick
    /// instruct model (440 greedy benchmark answers, medians of 5, two runs): 660/628 requests/s at
    /// 32, 776/790 at 64, 875/876 at 128, 803/835 at 256.
    public static let generationBatch = 128
    /// KV-cache slots for log-likelihood (contexts plus their continuations): 1039/1040 requests/s
    /// at 128, 1105/1108 at 256, 931/901 at 512 in the same runs.
    public static let loglikelihoodSlots = 256

    /// Keeps the last tokens of a prompt so that `reserve` more fit in the context window.
    private func fit(_ ids: [Int32], reserve: Int) -> [Int32] {
        let room = model.config.maxSeqLen - reserve
        return ids.count > room ? Array(ids.suffix(room)) : ids
    }
}

extension EmbeddedLM {
    /// A copy of this model fine-tuned on `conversations` (SFT with per-role loss weights).
    /// The original model is left untouched.
    public func finetuned(on conversations: [[ChatMessage]], roleWeights: RoleWeights = RoleWeights(),
                          hyperparameters: TrainingHyperparameters,
                          progress: ((TrainingProgress) -> Void)? = nil) throws -> EmbeddedLM {
        let packer = try TokenPacker(tokenizer: tokenizer, template: template)
        let rows = packer.pack(try conversations.map { try packer.chat($0, weights: roleWeights) }, length: model.config.maxSeqLen + 1)
        let copy = try model.copy()
        try SupervisedTrainer.train(copy, rows: rows, hyperparameters: hyperparameters, progress: progress)
        return try EmbeddedLM(model: copy, tokenizer: tokenizer, template: template)
    }
}
