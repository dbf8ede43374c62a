import RetainCore
import RetainStages

/// One benchmark as the evaluation stage needs it.
public struct BenchmarkData {
    public var name: String
    public var kind: BenchmarkKind
    public var multipleChoice: [MultipleChoiceItem]
    public var generative: [GenerativeItem]
    public var checker: any AnswerChecker
    /// Effective answer choices per family for the chance adjustment (a family whose items have
    /// four candidates but a yes/no answer has 2); families not listed use their items' count.
    public var effectiveChoices: [String: Int]
    public init(name: String, kind: BenchmarkKind, multipleChoice: [MultipleChoiceItem], generative: [GenerativeItem],
                checker: any AnswerChecker, effectiveChoices: [String: Int] = [:]) {
        self.name = name; self.kind = kind; self.multipleChoice = multipleChoice; self.generative = generative; self.checker = checker
        self.effectiveChoices = effectiveChoices
    }

    /// k per family: `effectiveChoices`, else the number of choices of the family's first item.
    public var choicesPerFamily: [String: Int] {
        var k = effectiveChoices
        for item in multipleChoice where k[item.family] == nil { k[item.family] = item.choices.count }
        return k
    }
}

/// Everything outside the experiment graph: the models, the trainer, the datasets and the
/// benchmarks. The built-in world provides one (RetainVendor's `WorldEnvironment`); a real-model
/// setup (an OpenAI-compatible server and an external trainer) provides another.
public protocol ExperimentEnvironment: AnyObject {
    /// Identity of everything the environment contributes that is not already a model identifier
    /// (datasets, benchmarks, checkers); part of every content hash that depends on them.
    var identifier: String { get }
    /// What the environment's computed results depend on beyond their inputs (for the embedded
    /// engine, `EngineNumerics.key`: the numerics version on the portable path, the GEMM library,
    /// thread count and CPU otherwise); part of the key of every stage that runs a model.
    var numericsKey: String { get }
    /// The instruct model's name (the model every arm fine-tunes).
    var instructModelName: String { get }
    func model(named name: String) throws -> any LanguageModel
    var trainer: any Trainer { get }
    func domainSet() throws -> [Conversation]
    func publicSet(named name: String) throws -> [Conversation]
    /// The original SFT set, where it is known (oracle replay); throws where it is not.
    func originalSet() throws -> [Conversation]
    func benchmark(named name: String) throws -> BenchmarkData
    /// A judge that knows the right answers (built-in world only); throws where there is none.
    func verifierJudge() throws -> any Judge
    /// How the consensus judge finds a response's final answer: from the response text alone, never
    /// from the right answer. Default `GenericAnswerExtractor`; an environment that knows its
    /// responses' formats supplies a better rule.
    var answerExtractor: any FinalAnswerExtractor { get }
    /// How close a conversation set is to the original SFT set (built-in world only; nil elsewhere).
    func fidelity(of conversations: [Conversation]) -> SetFidelity?
    /// The public sets, for fidelity comparisons.
    var publicSetNames: [String] { get }
}

/// Fidelity of a conversation set to the original SFT set.
public struct SetFidelity: Sendable {
    /// Share of instructions that are valid tasks.
    public var validShare: Double
    /// Total-variation distance between the set's family mix and the original set's.
    public var totalVariation: Double
    /// Share of responses that answer their instruction correctly.
    public var correct: Double
    public init(validShare: Double, totalVariation: Double, correct: Double) {
        self.validShare = validShare; self.totalVariation = totalVariation; self.correct = correct
    }
}

extension ExperimentEnvironment {
    public var answerExtractor: any FinalAnswerExtractor { GenericAnswerExtractor() }
    public func fidelity(of conversations: [Conversation]) -> SetFidelity? { nil }
    public var publicSetNames: [String] { [] }
}
