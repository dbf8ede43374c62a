import RetainCore

/// How a generative reply is checked: flexible extraction (the answer found anywhere), strict
/// extraction (the exact expected reply format), and the answer that was extracted.
public struct AnswerCheck: Codable, Hashable, Sendable {
    public var flexible: Bool
    public var strict: Bool
    public var extracted: String?
    public init(flexible: Bool, strict: Bool, extracted: String?) { self.flexible = flexible; self.strict = strict; self.extracted = extracted }
}

/// Checks generative replies for one benchmark.
public protocol AnswerChecker {
    func check(_ item: GenerativeItem, reply: String) throws -> AnswerCheck
}

/// One multiple-choice item's outcome.
public struct MultipleChoicePrediction: Codable, Hashable, Sendable {
    public var itemID: String
    public var family: String
    public var logprobs: [Double]
    /// Characters per choice (the acc_norm denominator, as lm-eval).
    public var lengths: [Int]
    public var chosen: Int
    public var chosenNorm: Int
    public var correct: Bool
    public var correctNorm: Bool
}

/// One generative item's outcome.
public struct GenerativePrediction: Codable, Hashable, Sendable {
    public var itemID: String
    public var family: String
    public var output: String
    public var extracted: String?
    /// Flexible extraction.
    public var correct: Bool
    public var correctStrict: Bool
}

/// Stage 7: scores a model on a benchmark, keeping every item's outcome.
public enum Evaluation {
    public struct Output: Codable, Hashable, Sendable {
        public var multipleChoice: [MultipleChoicePrediction]
        public var generative: [GenerativePrediction]
        public var mcAccuracy: Double { mean(multipleChoice.map(\.correct)) }
        public var mcNormAccuracy: Double { mean(multipleChoice.map(\.correctNorm)) }
        public var genAccuracy: Double { mean(generative.map(\.correct)) }
        public var genStrictAccuracy: Double { mean(generative.map(\.correctStrict)) }
    }

    /// Multiple choice by log-likelihood (each item's context computed once for all its choices):
    /// acc picks the highest sum of log-probs, acc_norm the highest log-prob per character; ties
    /// go to the lower index. Generative items are answered greedily (or sampled, to measure
    /// evaluation noise) and checked by `checker`.
    /// Sampled generation for measuring evaluation noise: each item gets its own seed from `seed`.
    public struct Sampling: Codable, Hashable, Sendable {
        public var temperature: Double
        public var topP: Double
        public var seed: UInt64
        public init(temperature: Double, topP: Double, seed: UInt64) { self.temperature = temperature; self.topP = topP; self.seed = seed }
    }

    public static func run(model: any LanguageModel, multipleChoice: [MultipleChoiceItem], generative: [GenerativeItem],
                           checker: any AnswerChecker, maxTokens: Int, sampling: Sampling? = nil,
                           progress: ProgressCallback? = nil) throws -> Output {
        let scores = try model.loglikelihood(multipleChoice.map {
            LoglikelihoodRequest(messages: [.user($0.question)], continuations: $0.choices)
        }, progress: progress)
        var mc: [MultipleChoicePrediction] = []
        for (item, s) in zip(multipleChoice, scores) {
            guard s.count == item.choices.count else {
                throw StageError.invalidOutput("item \(item.id): \(s.count) scores for \(item.choices.count) choices")
            }
            let logprobs = s.map(\.logprob)
            let lengths = item.choices.map { max(1, $0.count) }
            let chosen = argmax(logprobs)
            let chosenNorm = argmax(zip(logprobs, lengths).map { $0 / Double($1) })
            mc.append(MultipleChoicePrediction(itemID: item.id, family: item.family, logprobs: logprobs, lengths: lengths,
                                               chosen: chosen, chosenNorm: chosenNorm, correct: chosen == item.answerIndex,
                                               correctNorm: chosenNorm == item.answerIndex))
        }
        let base = multipleChoice.count
        let replies = try model.generate(generative.enumerated().map { i, item in
            let options = sampling.map {
                GenerationOptions(maxTokens: maxTokens, temperature: $0.temperature, topP: $0.topP, seed: StageSeed.derive($0.seed, "evaluation", i))
            } ?? .greedy(maxTokens: maxTokens)
            return ChatGenerationRequest(messages: [.user(item.question)], options: options)
        }, progress: progress.map { p in { p(base + $0) } })
        var gen: [GenerativePrediction] = []
        for (item, reply) in zip(generative, replies) {
            let check = try checker.check(item, reply: reply.text)
            gen.append(GenerativePrediction(itemID: item.id, family: item.family, output: reply.text, extracted: check.extracted,
                                            correct: check.flexible, correctStrict: check.strict))
        }
        return Output(multipleChoice: mc, generative: gen)
    }

    static func argmax(_ xs: [Double]) -> Int {
        var best = 0
        for i in xs.indices where xs[i] > xs[best] { best = i }
        return best
    }
}

func mean(_ xs: [Bool]) -> Double { xs.isEmpty ? 0 : Double(xs.filter { $0 }.count) / Double(xs.count) }
