import Foundation
import RetainCore
import RetainEngine
import RetainTokenizer

/// The embedded engine as a text-level `LanguageModel`.
extension EmbeddedLM: LanguageModel {
    public var userTurnPrefix: String { template.preQueryPrefix }
    public var endOfTurn: String { SpecialTokens.imEnd }

    public func loglikelihood(_ requests: [RetainCore.LoglikelihoodRequest], progress: ProgressCallback?) throws -> [[ContinuationLikelihood]] {
        let scores = try loglikelihood(requests.map {
            TextLoglikelihoodRequest(prompt: .chat(chatMessages($0.messages)), continuations: $0.continuations)
        }, progress: progress)
        return scores.map { $0.map { ContinuationLikelihood(logprob: $0.logprob, tokenCount: $0.tokenCount, isGreedy: $0.isGreedy) } }
    }

    public func generate(_ requests: [ChatGenerationRequest], progress: ProgressCallback?) throws -> [Completion] {
        try complete(requests.map { try textRequest(.chat(chatMessages($0.messages)), $0.options) }, progress: progress)
    }

    public func generate(raw requests: [RawGenerationRequest], progress: ProgressCallback?) throws -> [Completion] {
        try complete(requests.map { try textRequest(.raw($0.prompt), $0.options) }, progress: progress)
    }

    func textRequest(_ prompt: TextPrompt, _ o: GenerationOptions) throws -> TextGenerationRequest {
        let sampling = o.temperature == 0 ? SamplingParameters.greedy
            : try SamplingParameters(temperature: Float(o.temperature), topK: o.topK, topP: Float(o.topP))
        return TextGenerationRequest(prompt: prompt, maxTokens: o.maxTokens, sampling: sampling, seed: o.seed, stop: o.stop)
    }
}

/// RetainCore messages as the tokenizer's chat messages.
public func chatMessages(_ messages: [Message]) -> [ChatMessage] {
    messages.map { m in
        switch m.role {
        case .system: return ChatMessage(role: .system, content: m.content)
        case .user: return ChatMessage(role: .user, content: m.content)
        case .assistant: return ChatMessage(role: .assistant, content: m.content)
        }
    }
}

/// Fine-tunes embedded models with the native training loop and saves them as checkpoints
/// (`model.safetensors`, `config.json` and `tokenizer.json`).
public final class EmbeddedTrainer: Trainer, @unchecked Sendable {
    /// Bumped whenever the training loop changes what it produces.
    public static let codeVersion = 1
    public init() {}

    public var identifier: String { "embedded-trainer/v\(Self.codeVersion)" }

    public func finetune(_ base: any LanguageModel, on data: [Conversation], settings: FineTuneSettings,
                         saveTo directory: String, progress: ((TrainerProgress) -> Void)?) throws -> any LanguageModel {
        guard let base = base as? EmbeddedLM else {
            throw EngineError.invalidArgument("the embedded trainer fine-tunes embedded models only, got \(type(of: base))")
        }
        var h = TrainingHyperparameters()
        h.epochs = settings.epochs
        h.tokens = settings.tokens
        h.learningRate = Float(settings.learningRate)
        h.batchSize = settings.batchSize
        h.warmupFraction = Float(settings.warmupFraction)
        h.seed = settings.seed
        let tuned = try base.finetuned(on: data.map { chatMessages($0.messages) },
                                       roleWeights: RoleWeights(assistant: 1, user: Float(settings.userTokenWeight)),
                                       hyperparameters: h,
                                       progress: progress.map { p in { p(TrainerProgress(step: $0.step, totalSteps: $0.totalSteps, loss: Double($0.loss))) } })
        let url = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Checkpoint.save(tuned.model, to: url)
        try tuned.tokenizer.save(to: url.appendingPathComponent("tokenizer.json"))
        return tuned
    }

    public func load(from directory: String) throws -> any LanguageModel {
        let url = URL(fileURLWithPath: directory)
        return try EmbeddedLM(model: Checkpoint.load(from: url), tokenizer: BPETokenizer.load(from: url.appendingPathComponent("tokenizer.json")))
    }
}
