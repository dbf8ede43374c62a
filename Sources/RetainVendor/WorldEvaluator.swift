import Foundation
import RetainBackends
import RetainCore
import RetainEngine
import RetainTokenizer
import RetainWorld

/// Accuracy of one model on one world benchmark, overall and per family.
public struct BenchmarkScore: Codable, Sendable {
    public struct Family: Codable, Sendable {
        public var n: Int
        public var mcAccuracy: Double
        public var genAccuracy: Double
    }
    public var benchmark: String
    public var kind: BenchmarkKind
    public var n: Int
    /// Multiple choice: the highest log-likelihood choice is the right one.
    public var mcAccuracy: Double
    /// Mean chance level of the multiple-choice items (1/4, or 1/2 for binary families).
    public var mcChance: Double
    /// Generative, flexible extraction (the answer anywhere in the reply).
    public var genAccuracy: Double
    /// Generative, strict extraction (exactly the original SFT style).
    public var genStrictAccuracy: Double
    public var families: [String: Family]
}

/// Scores text-level models on the world's benchmarks, and measures pre-query instruction validity.
public enum WorldEvaluator {
    public static func score(_ lm: EmbeddedLM, on benchmark: Benchmark, in world: World, maxTokens: Int = 32) throws -> BenchmarkScore {
        let mc = benchmark.multipleChoice
        let scores = try lm.loglikelihood(mc.map {
            TextLoglikelihoodRequest(prompt: .chat([ChatMessage(role: .user, content: $0.question)]), continuations: $0.choices)
        })
        let mcCorrect = zip(mc, scores).map { item, s in s.indices.max { s[$0].logprob < s[$1].logprob } == item.answerIndex }
        let chance = mc.map { item in world.family(named: item.family)?.isBinary == true ? 0.5 : 1.0 / Double(item.choices.count) }

        let gen = benchmark.generative
        let replies = try lm.generate(gen.map {
            TextGenerationRequest(prompt: .chat([ChatMessage(role: .user, content: $0.question)]), maxTokens: maxTokens)
        })
        var genCorrect: [Bool] = [], strictCorrect: [Bool] = []
        for (item, reply) in zip(gen, replies) {
            guard let (name, instance) = world.classify(instruction: item.question), let family = world.family(named: name) else {
                throw EngineError.invalidArgument("benchmark \(benchmark.name) item \(item.id): question does not parse")
            }
            genCorrect.append(family.isCorrect(instance, response: reply))
            strictCorrect.append(family.isCorrect(instance, response: reply, strictStyle: benchmark.choiceStyle))
        }

        var families: [String: BenchmarkScore.Family] = [:]
        for name in Set(mc.map(\.family)).sorted() {
            let m = mc.indices.filter { mc[$0].family == name }
            let g = gen.indices.filter { gen[$0].family == name }
            families[name] = .init(n: m.count, mcAccuracy: mean(m.map { mcCorrect[$0] }), genAccuracy: mean(g.map { genCorrect[$0] }))
        }
        return BenchmarkScore(benchmark: benchmark.name, kind: benchmark.kind, n: mc.count, mcAccuracy: mean(mcCorrect),
                              mcChance: chance.reduce(0, +) / Double(max(1, chance.count)),
                              genAccuracy: mean(genCorrect), genStrictAccuracy: mean(strictCorrect), families: families)
    }

    /// Instructions sampled from the bare user-turn prefix, and the share that parse as a valid
    /// instance of some family.
    public struct InstructionSample: Codable, Sendable {
        public var validShare: Double
        public var familyMix: [String: Double]
        public var examples: [String]
    }

    public static func sampleInstructions(_ lm: EmbeddedLM, in world: World, count: Int, seed: UInt64,
                                          temperature: Float = 1.0, topP: Float = 0.98) throws -> InstructionSample {
        let sampling = try SamplingParameters(temperature: temperature, topP: topP)
        var rng = SeededRandom(seed: seed)
        let texts = try lm.generate((0..<count).map { _ in
            TextGenerationRequest(prompt: .raw(lm.template.preQueryPrefix), maxTokens: 48, sampling: sampling, seed: rng.next())
        })
        let conversations = texts.map { Conversation(messages: [.user($0)]) }
        return InstructionSample(validShare: world.validShare(conversations), familyMix: world.familyMix(conversations),
                                 examples: Array(texts.prefix(5)))
    }

    static func mean(_ xs: [Bool]) -> Double { xs.isEmpty ? 0 : Double(xs.filter { $0 }.count) / Double(xs.count) }
}
