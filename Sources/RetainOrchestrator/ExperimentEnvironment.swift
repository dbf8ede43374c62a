import RetainCore
import RetainStages

/// One benchmark as the evaluation stage needs it.
public struct BenchmarkData {
    public var name: String
    public var kind: BenchmarkKind
    public var multipleChoice: [MultipleChoiceItem]
    public var generative: [GenerativeItem]
    public var checker: any AnswerChecker
    public init(name: String, kind: BenchmarkKind, multipleChoice: [MultipleChoiceItem], generative: [GenerativeItem], checker: any AnswerChecker) {
        self.name = name; self.kind = kind; self.multipleChoice = multipleChoice; self.generative = generative; self.checker = checker
    }
}

/// Everything outside the experiment graph: the models, the trainer, the datasets and the
/// benchmarks. The built-in world provides one (RetainVendor's `WorldEnvironment`); a real-model
/// setup (an OpenAI-compatible server and an external trainer) provides another.
public protocol ExperimentEnvironment: AnyObject {
    /// Identity of everything the environment contributes that is not already a model identifier
    /// (datasets, benchmarks, checkers); part of every content hash that depends on them.
    var identifier: String { get }
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
}
