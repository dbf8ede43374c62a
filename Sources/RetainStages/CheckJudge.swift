import RetainCore

/// Asks a model whether a response's answer to its instruction is correct, with a fixed prompt that
/// asks it to end with "Verdict: correct" or "Verdict: incorrect": 5 for correct, 1 for incorrect.
/// Unlike `PromptJudge` (helpfulness, clarity, ...) it asks about the answer only, so a committee
/// can weigh correctness without an oracle. Parse, retry and abstain rules are `PromptJudge`'s.
public final class CheckJudge: Judge {
    public let name: String
    let model: any LanguageModel
    let maxTokens: Int
    let seed: UInt64

    public static let template = """
        Please act as a careful grader. Check whether the final answer in the AI assistant's response \
        to the user instruction below is correct. End your reply with "Verdict: correct" if the answer \
        is correct, or "Verdict: incorrect" if it is wrong or missing.

        [Instruction]
        {instruction}

        [Response]
        {response}
        """

    public init(name: String, model: any LanguageModel, maxTokens: Int = 48, seed: UInt64 = 0) {
        self.name = name; self.model = model; self.maxTokens = maxTokens; self.seed = seed
    }

    public var identifier: String { "check-judge/v1|\(model.identifier)|\(maxTokens)|\(seed)|\(ContentHash.fnv1a64(Self.template))" }

    public static func prompt(for input: JudgeInput) -> String {
        template.replacingOccurrences(of: "{instruction}", with: input.instruction)
            .replacingOccurrences(of: "{response}", with: input.response)
    }

    public func score(_ inputs: [JudgeInput], progress: ProgressCallback?) throws -> [JudgeVerdict] {
        try PromptScoring.score(inputs, model: model, maxTokens: maxTokens, seed: seed, prompt: Self.prompt(for:),
                                parse: Self.parseVerdict, progress: progress)
    }

    /// The last "Verdict: correct" (5) or "Verdict: incorrect" (1): case-insensitive, ':' or '='
    /// and markdown '*' optional, the word whole ("correctly" is not a verdict). Anything else is nil.
    public static func parseVerdict(_ reply: String) -> Double? {
        let chars = Array(reply.lowercased())
        let key = Array("verdict")
        var found: Double? = nil
        var i = 0
        while i + key.count <= chars.count {
            guard Array(chars[i..<(i + key.count)]) == key else { i += 1; continue }
            var j = i + key.count
            while j < chars.count, chars[j] == " " || chars[j] == ":" || chars[j] == "=" || chars[j] == "*" { j += 1 }
            for (word, score) in [("incorrect", 1.0), ("correct", 5.0)] {
                let w = Array(word), end = j + w.count
                guard end <= chars.count, Array(chars[j..<end]) == w else { continue }
                if end == chars.count || !(chars[end].isLetter || chars[end].isNumber) { found = score }
                break
            }
            i += key.count
        }
        return found
    }
}
