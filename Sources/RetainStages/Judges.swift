import Foundation
import RetainCore

/// What a judge sees: one instruction and one response to it.
public struct JudgeInput: Codable, Hashable, Sendable {
    public var instruction: String
    public var response: String
    public init(instruction: String, response: String) { self.instruction = instruction; self.response = response }
}

/// One judge's score of one response.
public struct JudgeVerdict: Codable, Hashable, Sendable {
    /// 1...5, or nil when the judge gave no usable score (an unparseable reply).
    public var score: Double?
    /// The judge's raw output (its reply, or the number it scored from), kept for inspection.
    public var raw: String
    public init(score: Double?, raw: String) { self.score = score; self.raw = raw }
}

/// Scores responses from 1 to 5.
public protocol Judge: AnyObject {
    /// A stable name used in stored judgments, e.g. "likelihood:instruct".
    var name: String { get }
    /// A stable identity of everything that affects its scores (part of content hashes).
    var identifier: String { get }
    func score(_ inputs: [JudgeInput], progress: ProgressCallback?) throws -> [JudgeVerdict]
}

/// Asks a model to rate a response with a fixed scoring prompt in the paper's spirit and parses
/// "Score: N" from its reply. A reply without a score in 1...5 gets one more try with a sampled
/// reply (its own seed); if that also fails, the verdict has no score and the judge abstains.
public final class PromptJudge: Judge {
    public let name: String
    let model: any LanguageModel
    let maxTokens: Int
    let seed: UInt64

    public static let template = """
        Please act as an impartial judge and evaluate the response of an AI assistant to the user \
        instruction below. Consider helpfulness, relevance, clarity and completeness, as a helpful AI \
        assistant would answer. Rate the response on a scale of 1 to 5 and end your answer with \
        "Score: N", where N is 1, 2, 3, 4 or 5.

        [Instruction]
        {instruction}

        [Response]
        {response}
        """

    public init(name: String, model: any LanguageModel, maxTokens: Int = 48, seed: UInt64 = 0) {
        self.name = name; self.model = model; self.maxTokens = maxTokens; self.seed = seed
    }

    public var identifier: String { "prompt-judge/v1|\(model.identifier)|\(maxTokens)|\(seed)|\(ContentHash.fnv1a64(Self.template))" }

    public static func prompt(for input: JudgeInput) -> String {
        template.replacingOccurrences(of: "{instruction}", with: input.instruction)
            .replacingOccurrences(of: "{response}", with: input.response)
    }

    public func score(_ inputs: [JudgeInput], progress: ProgressCallback?) throws -> [JudgeVerdict] {
        try PromptScoring.score(inputs, model: model, maxTokens: maxTokens, seed: seed, prompt: Self.prompt(for:),
                                parse: Self.parseScore, progress: progress)
    }

    /// The last "Score: N" (case-insensitive; ':' or '=' optional; N an integer or decimal in 1...5,
    /// optionally followed by "/5"). Anything else is nil.
    public static func parseScore(_ reply: String) -> Double? {
        let chars = Array(reply.lowercased())
        let key = Array("score")
        var found: Double? = nil
        var i = 0
        while i + key.count <= chars.count {
            guard Array(chars[i..<(i + key.count)]) == key else { i += 1; continue }
            var j = i + key.count
            while j < chars.count, chars[j] == " " || chars[j] == ":" || chars[j] == "=" || chars[j] == "*" { j += 1 }
            var number = ""
            while j < chars.count, chars[j].isASCII, chars[j].isNumber || (chars[j] == "." && !number.isEmpty && !number.contains(".")) {
                number.append(chars[j]); j += 1
            }
            if number.hasSuffix(".") { number.removeLast() }
            if let v = Double(number), (1...5).contains(v) { found = v }
            i += key.count
        }
        return found
    }
}

/// What prompted judges share: a fixed prompt per response, answered greedily; a reply the parser
/// finds no score in gets one more try with a sampled reply (its own seed, from the judge's seed and
/// the response's position); if that also fails, the verdict has no score and the judge abstains.
enum PromptScoring {
    static func score(_ inputs: [JudgeInput], model: any LanguageModel, maxTokens: Int, seed: UInt64,
                      prompt: (JudgeInput) -> String, parse: (String) -> Double?, progress: ProgressCallback?) throws -> [JudgeVerdict] {
        let first = try model.generate(inputs.map {
            ChatGenerationRequest(messages: [.user(prompt($0))], options: .greedy(maxTokens: maxTokens))
        }, progress: progress)
        var verdicts = first.map { JudgeVerdict(score: parse($0.text), raw: $0.text) }
        let retry = verdicts.indices.filter { verdicts[$0].score == nil }
        if !retry.isEmpty {
            let second = try model.generate(retry.map { i in
                ChatGenerationRequest(messages: [.user(prompt(inputs[i]))], options: GenerationOptions(
                    maxTokens: maxTokens, temperature: 0.7, topP: 0.95, seed: StageSeed.derive(seed, "judge-retry", i)))
            }, progress: nil)
            for (i, c) in zip(retry, second) {
                verdicts[i] = JudgeVerdict(score: parse(c.text), raw: verdicts[i].raw + "\n--- retry ---\n" + c.text)
            }
        }
        return verdicts
    }
}

/// Scores a response by the judge model's length-normalised log-likelihood of it (mean log-prob
/// per token, as the assistant's reply to the instruction), mapped to 1...5 through bins.
///
/// Bins are either fixed edges, or calibrated on the pool being judged: the 20th, 40th, 60th and
/// 80th percentiles (nearest rank) of the pool's own scores, so each score level holds a fifth of
/// the pool (ties stay together).
public final class LikelihoodJudge: Judge {
    public enum Bins: Codable, Hashable, Sendable {
        case poolQuintiles
        /// Four ascending edges; a mean log-prob x scores 1 + (number of edges below x).
        case fixed([Double])
    }

    public let name: String
    let model: any LanguageModel
    let bins: Bins

    public init(name: String, model: any LanguageModel, bins: Bins = .poolQuintiles) {
        self.name = name; self.model = model; self.bins = bins
    }

    public var identifier: String { "likelihood-judge/v1|\(model.identifier)|\(bins)" }

    public func score(_ inputs: [JudgeInput], progress: ProgressCallback?) throws -> [JudgeVerdict] {
        // One request per distinct instruction with all its responses as continuations, so the
        // instruction's context is computed once (a paper-style pool has 9 responses each).
        // Requests hold at most 32 continuations, which any backend's batch can take.
        // An empty response has no tokens to score: it gets the lowest score and stays out of the
        // pool the bins are calibrated on.
        var groups: [String: Int] = [:], requests: [LoglikelihoodRequest] = [], slot: [(request: Int, continuation: Int)?] = []
        for input in inputs {
            guard !input.response.isEmpty else { slot.append(nil); continue }
            var r = groups[input.instruction] ?? -1
            if r < 0 || requests[r].continuations.count == 32 {
                requests.append(LoglikelihoodRequest(messages: [.user(input.instruction)], continuations: []))
                r = requests.count - 1
                groups[input.instruction] = r
            }
            slot.append((r, requests[r].continuations.count))
            requests[r].continuations.append(input.response)
        }
        var scoredBefore = [0]
        for r in requests { scoredBefore.append(scoredBefore.last! + r.continuations.count) }
        let scores = requests.isEmpty ? [] : try model.loglikelihood(requests, progress: progress.map { p in { p(scoredBefore[min($0, requests.count)]) } })
        let means = slot.map { s -> Double? in
            guard let s else { return nil }
            let c = scores[s.request][s.continuation]
            return c.logprob / Double(max(1, c.tokenCount))
        }
        let edges: [Double]
        switch bins {
        case let .fixed(e): edges = e
        case .poolQuintiles: edges = Self.quintileEdges(means.compactMap { $0 })
        }
        return means.map { m in
            guard let m else { return JudgeVerdict(score: 1, raw: "empty response") }
            return JudgeVerdict(score: Double(1 + edges.filter { $0 < m }.count), raw: String(m))
        }
    }

    /// The 20/40/60/80th percentiles (nearest rank) of `values`.
    public static func quintileEdges(_ values: [Double]) -> [Double] {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return [0, 0, 0, 0].map { _ in .infinity } }
        return [0.2, 0.4, 0.6, 0.8].map { q in sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)] }
    }
}
