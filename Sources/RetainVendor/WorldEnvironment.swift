import Foundation
import RetainBackends
import RetainCore
import RetainEngine
import RetainOrchestrator
import RetainStages
import RetainWorld

/// The built-in world as an experiment environment: the vendor's released models (trained or
/// loaded from the cache on first use), the embedded trainer, the world's sets and benchmarks,
/// and a verifier judge that knows every right answer.
public final class WorldEnvironment: ExperimentEnvironment {
    public let world: World
    public let vendor: VendorPipeline
    public let trainer: any Trainer = EmbeddedTrainer()
    private var models: [String: VendorModel] = [:]

    public init(world: World, plan: VendorPlan, cache: ModelCache = ModelCache(), log: @escaping (String) -> Void = { print($0) }) {
        self.world = world
        vendor = VendorPipeline(world: world, plan: plan, cache: cache, log: log)
    }

    public var identifier: String {
        "world:" + ((try? ContentHash.of(WorldKey(world: world.config, plan: vendor.plan, code: VendorPipeline.codeVersion))) ?? "?")
    }
    public var numericsKey: String { EngineNumerics.key }
    private struct WorldKey: Encodable { let world: WorldConfig; let plan: VendorPlan; let code: String }

    public var instructModelName: String { vendor.plan.instruct.name }
    public var modelNames: [String] { vendor.plan.models.map(\.name) }

    public func model(named name: String) throws -> any LanguageModel {
        if let m = models[name] { return m.lm }
        guard let spec = vendor.plan.models.first(where: { $0.name == name }) else {
            throw EnvironmentError.unknown("model", name, allowed: modelNames)
        }
        let m = try vendor.released(spec)
        models[name] = m
        return m.lm
    }

    public func domainSet() throws -> [Conversation] { world.domainSet }

    public func publicSet(named name: String) throws -> [Conversation] {
        guard let set = world.publicSets.first(where: { $0.name == name }) else {
            throw EnvironmentError.unknown("public set", name, allowed: world.publicSets.map(\.name))
        }
        return set.conversations
    }

    public func originalSet() throws -> [Conversation] { world.originalSFT }

    public func benchmark(named name: String) throws -> BenchmarkData {
        guard let b = world.benchmarks.all.first(where: { $0.name == name }) else {
            throw EnvironmentError.unknown("benchmark", name, allowed: world.benchmarks.all.map(\.name))
        }
        var k: [String: Int] = [:]
        for f in b.families { if world.family(named: f)?.isBinary == true { k[f] = 2 } }
        return BenchmarkData(name: b.name, kind: b.kind, multipleChoice: b.multipleChoice, generative: b.generative,
                             checker: WorldAnswerChecker(world: world, strictStyle: b.choiceStyle), effectiveChoices: k)
    }

    public var publicSetNames: [String] { world.publicSets.map(\.name) }

    public func fidelity(of conversations: [Conversation]) -> SetFidelity? {
        guard !conversations.isEmpty else { return nil }
        let correct = conversations.filter { c in
            guard let i = c.instruction, let r = c.response else { return false }
            return world.isCorrect(instruction: i, response: r) == true
        }.count
        return SetFidelity(validShare: world.validShare(conversations), totalVariation: world.familyMixDistance(conversations),
                           correct: Double(correct) / Double(conversations.count))
    }

    public func verifierJudge() throws -> any Judge { VerifierJudge(world: world) }

    public var answerExtractor: any FinalAnswerExtractor { WorldAnswerExtractor() }
}

/// The world's flexible answer rule for the consensus judge, over every answer kind and from the
/// response text alone (`AnswerExtractor.lastAnswer`): it knows the world's reply styles and filler
/// words, not the instruction's family or its answer.
public struct WorldAnswerExtractor: FinalAnswerExtractor {
    public init() {}
    public var identifier: String {
        "world-answer/v1|" + String(ContentHash.fnv1a64(AnswerExtractor.fillerWords.sorted().joined(separator: ",")), radix: 16)
    }
    public func answer(in response: String) -> String? { AnswerExtractor.lastAnswer(response) }
}

/// A name the environment does not have.
public enum EnvironmentError: Error, CustomStringConvertible {
    case unknown(String, String, allowed: [String])
    public var description: String {
        switch self {
        case let .unknown(what, name, allowed):
            return "unknown \(what) \"\(name)\"; this world has: \(allowed.joined(separator: ", "))"
        }
    }
}

/// Checks generative replies against the world's answers: flexible extraction (the last
/// answer-like token) and strict extraction (exactly the benchmark's reply style).
public struct WorldAnswerChecker: AnswerChecker {
    let world: World
    let strictStyle: ResponseStyle

    public func check(_ item: GenerativeItem, reply: String) throws -> AnswerCheck {
        guard let (name, instance) = world.classify(instruction: item.question), let family = world.family(named: name) else {
            throw StageError.invalidInput("benchmark item \(item.id): its question is not a valid task instance")
        }
        return AnswerCheck(flexible: family.isCorrect(instance, response: reply),
                           strict: family.isCorrect(instance, response: reply, strictStyle: strictStyle),
                           extracted: AnswerExtractor.flexible(reply, kind: family.answerKind))
    }
}

/// Scores 5 when the response answers its instruction correctly and 1 otherwise (an instruction
/// that is not a valid task has no correct response). Built-in world only: it reads the answers.
public final class VerifierJudge: Judge {
    let world: World
    public let name = "verifier"
    public init(world: World) { self.world = world }
    public var identifier: String { "verifier/v1|" + ((try? ContentHash.of(world.config)) ?? "?") }

    public func score(_ inputs: [JudgeInput], progress: ProgressCallback?) throws -> [JudgeVerdict] {
        inputs.enumerated().map { i, input in
            defer { progress?(i + 1) }
            switch world.isCorrect(instruction: input.instruction, response: input.response) {
            case true?: return JudgeVerdict(score: 5, raw: "correct")
            case false?: return JudgeVerdict(score: 1, raw: "incorrect")
            case nil: return JudgeVerdict(score: 1, raw: "invalid instruction")
            }
        }
    }
}
