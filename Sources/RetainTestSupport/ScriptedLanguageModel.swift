import Foundation
import RetainCore

/// A deterministic `LanguageModel` whose answers come from closures, for tests of stages and the
/// orchestrator. It records every request it receives.
public final class ScriptedLanguageModel: LanguageModel, @unchecked Sendable {
    public enum Prompt: Hashable, Sendable {
        case chat([Message])
        case raw(String)
    }

    public let identifier: String
    public var userTurnPrefix = "<|im_start|>user\n"
    public var endOfTurn = "<|im_end|>"
    let reply: (Prompt, GenerationOptions) -> Completion
    let score: ([Message], String) -> Double
    private let lock = NSLock()
    private var _generationRequests: [(Prompt, GenerationOptions)] = []
    private var _loglikelihoodRequests: [RetainCore.LoglikelihoodRequest] = []

    /// `reply` answers generation requests; `score` gives the log-likelihood of a continuation
    /// (its token count is its number of characters, so length normalisation is checkable).
    public init(identifier: String,
                reply: @escaping (Prompt, GenerationOptions) -> Completion,
                score: @escaping ([Message], String) -> Double = { _, c in -Double(c.count) }) {
        self.identifier = identifier; self.reply = reply; self.score = score
    }

    /// A model that answers from a fixed list in order of request (cycling), ending every turn.
    public convenience init(identifier: String, replies: [String]) {
        var i = 0
        let lock = NSLock()
        self.init(identifier: identifier, reply: { _, _ in
            lock.lock(); defer { lock.unlock() }
            defer { i += 1 }
            return Completion(text: replies[i % replies.count], finishReason: .stop)
        })
    }

    public var generationRequests: [(Prompt, GenerationOptions)] { lock.lock(); defer { lock.unlock() }; return _generationRequests }
    public var loglikelihoodRequests: [RetainCore.LoglikelihoodRequest] { lock.lock(); defer { lock.unlock() }; return _loglikelihoodRequests }

    public func loglikelihood(_ requests: [RetainCore.LoglikelihoodRequest], progress: ProgressCallback?) throws -> [[ContinuationLikelihood]] {
        lock.lock(); _loglikelihoodRequests += requests; lock.unlock()
        return requests.enumerated().map { i, r in
            defer { progress?(i + 1) }
            let scores = r.continuations.map { score(r.messages, $0) }
            let best = scores.indices.max { scores[$0] < scores[$1] }
            return r.continuations.indices.map {
                ContinuationLikelihood(logprob: scores[$0], tokenCount: max(1, r.continuations[$0].count), isGreedy: $0 == best)
            }
        }
    }

    public func generate(_ requests: [ChatGenerationRequest], progress: ProgressCallback?) throws -> [Completion] {
        try run(requests.map { (.chat($0.messages), $0.options) }, progress)
    }

    public func generate(raw requests: [RawGenerationRequest], progress: ProgressCallback?) throws -> [Completion] {
        try run(requests.map { (.raw($0.prompt), $0.options) }, progress)
    }

    private func run(_ requests: [(Prompt, GenerationOptions)], _ progress: ProgressCallback?) throws -> [Completion] {
        lock.lock(); _generationRequests += requests; lock.unlock()
        return requests.enumerated().map { i, r in
            defer { progress?(i + 1) }
            return reply(r.0, r.1)
        }
    }
}

/// A `Trainer` that "fine-tunes" by writing the training data to `data.json` in the directory and
/// returning a model built from it by `makeModel`, so tests can check what was trained on.
public final class RecordingTrainer: Trainer, @unchecked Sendable {
    public let identifier = "recording-trainer/v1"
    let makeModel: (_ data: [Conversation], _ settings: FineTuneSettings) -> any LanguageModel
    private let lock = NSLock()
    private var _runs = 0

    public init(makeModel: @escaping (_ data: [Conversation], _ settings: FineTuneSettings) -> any LanguageModel) {
        self.makeModel = makeModel
    }

    /// How many times `finetune` ran (a resumed experiment must not retrain what it has).
    public var runs: Int { lock.lock(); defer { lock.unlock() }; return _runs }

    struct Saved: Codable { var data: [Conversation]; var settings: FineTuneSettings }

    public func finetune(_ base: any LanguageModel, on data: [Conversation], settings: FineTuneSettings,
                         saveTo directory: String, progress: ((TrainerProgress) -> Void)?) throws -> any LanguageModel {
        lock.lock(); _runs += 1; lock.unlock()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try encoder.encode(Saved(data: data, settings: settings)).write(to: URL(fileURLWithPath: directory + "/data.json"))
        progress?(TrainerProgress(step: 1, totalSteps: 1, loss: 0))
        return makeModel(data, settings)
    }

    public func load(from directory: String) throws -> any LanguageModel {
        let saved = try JSONDecoder().decode(Saved.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/data.json")))
        return makeModel(saved.data, saved.settings)
    }
}
