/// Text-level model access. Every request is strings in, strings (or scores) out, so the same
/// stages run on the embedded engine and on a model behind an OpenAI-compatible server.

/// How to sample a continuation. Every sampled request carries its own seed, so a request's output
/// does not depend on what else is in the batch.
public struct GenerationOptions: Codable, Hashable, Sendable {
    public var maxTokens: Int
    /// 0 means greedy.
    public var temperature: Double
    public var topP: Double
    /// 0 means no top-k cut.
    public var topK: Int
    public var seed: UInt64
    /// Strings that end generation; the output is cut before the first one.
    public var stop: [String]

    public init(maxTokens: Int, temperature: Double = 0, topP: Double = 1, topK: Int = 0, seed: UInt64 = 0, stop: [String] = []) {
        self.maxTokens = maxTokens; self.temperature = temperature; self.topP = topP; self.topK = topK
        self.seed = seed; self.stop = stop
    }

    public static func greedy(maxTokens: Int) -> GenerationOptions { GenerationOptions(maxTokens: maxTokens) }
}

/// Generation from chat messages: the model's chat template renders them and opens an assistant turn.
public struct ChatGenerationRequest: Codable, Hashable, Sendable {
    public var messages: [Message]
    public var options: GenerationOptions
    public init(messages: [Message], options: GenerationOptions) { self.messages = messages; self.options = options }
}

/// Generation from a raw string sent as is, chat-template control strings included (the pre-query
/// trick sends only the template's user-turn prefix).
public struct RawGenerationRequest: Codable, Hashable, Sendable {
    public var prompt: String
    public var options: GenerationOptions
    public init(prompt: String, options: GenerationOptions) { self.prompt = prompt; self.options = options }
}

/// Log-likelihood of each continuation as the assistant's reply to `messages`. The shared context is
/// computed once per request.
public struct LoglikelihoodRequest: Codable, Hashable, Sendable {
    public var messages: [Message]
    public var continuations: [String]
    public init(messages: [Message], continuations: [String]) { self.messages = messages; self.continuations = continuations }
}

/// The score of one continuation.
public struct ContinuationLikelihood: Codable, Hashable, Sendable {
    /// Sum of the continuation's token log-probabilities (natural log).
    public var logprob: Double
    /// Number of tokens the continuation took.
    public var tokenCount: Int
    /// Whether greedy decoding would have produced exactly this continuation.
    public var isGreedy: Bool
    public init(logprob: Double, tokenCount: Int, isGreedy: Bool) {
        self.logprob = logprob; self.tokenCount = tokenCount; self.isGreedy = isGreedy
    }
}

/// A generated text and why generation ended (OpenAI's `finish_reason`).
public struct Completion: Codable, Hashable, Sendable {
    public enum FinishReason: String, Codable, Hashable, Sendable {
        /// The model ended its turn or a stop string matched.
        case stop
        /// The token limit (or the context window) was reached first.
        case length
    }
    public var text: String
    public var finishReason: FinishReason
    public init(text: String, finishReason: FinishReason) { self.text = text; self.finishReason = finishReason }
}

/// Called with the number of finished requests (or steps) so far.
public typealias ProgressCallback = (_ completed: Int) -> Void

/// A language model reached through text. Implementations batch internally as they see fit.
public protocol LanguageModel: AnyObject, Sendable {
    /// A stable identity for content hashes: two models with the same identifier give the same
    /// outputs for the same requests (for the embedded engine, a hash of the weights).
    var identifier: String { get }
    /// Everything up to and including the start of a user turn in this model's chat template
    /// (ChatML: `<|im_start|>user\n`).
    var userTurnPrefix: String { get }
    /// The string that ends a user turn in this model's chat template (ChatML: `<|im_end|>`).
    var endOfTurn: String { get }

    func loglikelihood(_ requests: [LoglikelihoodRequest], progress: ProgressCallback?) throws -> [[ContinuationLikelihood]]
    func generate(_ requests: [ChatGenerationRequest], progress: ProgressCallback?) throws -> [Completion]
    func generate(raw requests: [RawGenerationRequest], progress: ProgressCallback?) throws -> [Completion]
}

/// Hyperparameters of one supervised fine-tuning run, as an experiment spec states them.
public struct FineTuneSettings: Codable, Hashable, Sendable {
    public var epochs: Double
    public var learningRate: Double
    public var batchSize: Int
    public var warmupFraction: Double
    /// Loss weight on user-turn tokens (0: assistant-only loss).
    public var userTokenWeight: Double
    public var seed: UInt64
    /// When set, train on exactly this many tokens (rounded up to whole steps) instead of `epochs`
    /// passes. Nil is not encoded, so settings without it hash as before.
    public var tokens: Int?

    public init(epochs: Double = 1, learningRate: Double = 1e-3, batchSize: Int = 16, warmupFraction: Double = 0.05,
                userTokenWeight: Double = 0, seed: UInt64 = 0, tokens: Int? = nil) {
        self.epochs = epochs; self.learningRate = learningRate; self.batchSize = batchSize
        self.warmupFraction = warmupFraction; self.userTokenWeight = userTokenWeight; self.seed = seed; self.tokens = tokens
    }
}

/// Progress of a training run.
public struct TrainerProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var loss: Double
    public init(step: Int, totalSteps: Int, loss: Double) { self.step = step; self.totalSteps = totalSteps; self.loss = loss }
}

/// Fine-tunes a model on conversations and saves the result where it is told; `load` reopens a
/// saved result, so a resumed experiment never retrains what it already has.
public protocol Trainer: AnyObject, Sendable {
    /// A stable identity of the trainer's code and settings that affect results (part of content hashes).
    var identifier: String { get }
    func finetune(_ base: any LanguageModel, on data: [Conversation], settings: FineTuneSettings,
                  saveTo directory: String, progress: ((TrainerProgress) -> Void)?) throws -> any LanguageModel
    func load(from directory: String) throws -> any LanguageModel
}
