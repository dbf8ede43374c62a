import Foundation
import RetainCore
import RetainOrchestrator
import RetainStages
import RetainTestSupport

/// A tiny deterministic world for orchestrator tests: scripted models, a recording trainer, two
/// small datasets and two benchmarks. Everything is a pure function of its inputs.
final class FakeEnvironment: ExperimentEnvironment {
    let identifier = "fake-env/v1"
    let numericsKey = "numerics=scripted"
    let instructModelName = "instruct"
    var trainer: any Trainer
    let models: [String: ScriptedLanguageModel]

    init(trainer: (any Trainer)? = nil) {
        var models: [String: ScriptedLanguageModel] = [:]
        for name in ["instruct", "vendor-b", "vendor-c"] { models[name] = Self.model(name) }
        self.models = models
        self.trainer = trainer ?? RecordingTrainer { data, _ in FakeEnvironment.model("ft-" + String(ContentHash.fnv1a64(data.map { $0.instruction ?? "" }.joined(separator: "|")), radix: 16)) }
    }

    static func hash(_ s: String) -> UInt64 { ContentHash.fnv1a64(s) }

    /// Instructions are "Add A and B." from the request seed; replies "The answer is N" with N
    /// right for some (model, question) pairs; log-likelihoods are hash-derived.
    static func model(_ name: String) -> ScriptedLanguageModel {
        ScriptedLanguageModel(identifier: "fake:" + name, reply: { prompt, options in
            switch prompt {
            case .raw:
                let a = Int(options.seed % 7), b = Int((options.seed >> 8) % 5)
                return Completion(text: options.seed % 11 == 0 ? "" : "Add \(a) and \(b).", finishReason: .stop)
            case let .chat(messages):
                let q = messages.last?.content ?? ""
                if q.hasPrefix("Please act as an impartial judge") {
                    return Completion(text: "Score: \(1 + Int(hash(name + q) % 5))", finishReason: .stop)
                }
                if q.hasPrefix("Please act as a careful grader") {
                    return Completion(text: "Verdict: \(hash(name + q) % 2 == 0 ? "correct" : "incorrect")", finishReason: .stop)
                }
                let words = q.split { !$0.isNumber }.compactMap { Int($0) }
                let right = words.reduce(0, +)
                let wrong = hash(name + q + String(options.seed)) % 3 == 0
                return Completion(text: "The answer is \(wrong ? right + 1 : right)", finishReason: .stop)
            }
        }, score: { messages, continuation in
            -Double(hash(name + (messages.last?.content ?? "") + continuation) % 1000) / 100
        })
    }

    func model(named name: String) throws -> any LanguageModel {
        guard let m = models[name] else { throw StageError.invalidInput("no model \(name)") }
        return m
    }

    func conversations(_ prefix: String, _ n: Int) -> [Conversation] {
        (0..<n).map { Conversation(messages: [.user("\(prefix) question \($0)?"), .assistant("\(prefix) answer \($0)")], source: prefix) }
    }

    func domainSet() throws -> [Conversation] { conversations("domain", 17) }
    func publicSet(named name: String) throws -> [Conversation] {
        guard name == "publicA" else { throw StageError.invalidInput("no public set \(name)") }
        return conversations("public", 40)
    }
    func originalSet() throws -> [Conversation] { conversations("original", 60) }

    struct Checker: AnswerChecker {
        func check(_ item: GenerativeItem, reply: String) throws -> AnswerCheck {
            let last = reply.split(separator: " ").last.map(String.init)
            return AnswerCheck(flexible: last == item.answer, strict: reply == item.answer, extracted: last)
        }
    }

    func benchmark(named name: String) throws -> BenchmarkData {
        let kind: BenchmarkKind = name == "general" ? .general : .domain
        let mc = (0..<8).map { i in
            MultipleChoiceItem(id: "\(name)-mc\(i)", family: "f\(i % 2)", kind: kind, question: "\(name) q\(i)",
                               choices: ["a\(i)", "bb\(i)", "ccc\(i)", "d\(i)"], answerIndex: i % 4)
        }
        let gen = (0..<4).map { i in GenerativeItem(id: "\(name)-gen\(i)", family: "f\(i % 2)", kind: kind, question: "Add \(i) and 2.", answer: "\(i + 2)") }
        return BenchmarkData(name: name, kind: kind, multipleChoice: mc, generative: gen, checker: Checker())
    }

    final class Verifier: Judge {
        let name = "verifier"
        let identifier = "fake-verifier"
        func score(_ inputs: [JudgeInput], progress: ProgressCallback?) throws -> [JudgeVerdict] {
            inputs.map { input in
                let sum = input.instruction.split { !$0.isNumber }.compactMap { Int($0) }.reduce(0, +)
                return JudgeVerdict(score: input.response.hasSuffix(" \(sum)") ? 5 : 1, raw: "")
            }
        }
    }

    func verifierJudge() throws -> any Judge { Verifier() }

    /// Every instruction is valid and the family mix is the original's; correct as the verifier says.
    func fidelity(of conversations: [Conversation]) -> SetFidelity? {
        guard !conversations.isEmpty else { return nil }
        let correct = conversations.filter { c in
            let sum = (c.instruction ?? "").split { !$0.isNumber }.compactMap { Int($0) }.reduce(0, +)
            return c.response?.hasSuffix(" \(sum)") == true
        }.count
        return SetFidelity(validShare: 1, totalVariation: 0, correct: Double(correct) / Double(conversations.count))
    }
}

/// A trainer that fails on its n-th run, standing in for a process killed mid-experiment.
final class FailingTrainer: Trainer, @unchecked Sendable {
    struct Crash: Error {}
    let inner: RecordingTrainer
    let failOn: Int
    var runs = 0
    init(inner: RecordingTrainer, failOn: Int) { self.inner = inner; self.failOn = failOn }
    var identifier: String { inner.identifier }
    func finetune(_ base: any LanguageModel, on data: [Conversation], settings: FineTuneSettings, saveTo directory: String,
                  progress: ((TrainerProgress) -> Void)?) throws -> any LanguageModel {
        runs += 1
        if runs == failOn { throw Crash() }
        return try inner.finetune(base, on: data, settings: settings, saveTo: directory, progress: progress)
    }
    func load(from directory: String) throws -> any LanguageModel { try inner.load(from: directory) }
}
