import RetainCore

/// Self-consistency without an oracle: the responses to one instruction (every generator × K
/// samples, which `Judging` hands over together) vote with their final answers, and a response
/// scores by how far its answer carries the vote. Answers come from a `FinalAnswerExtractor`, which
/// reads response text only.
///
/// Per instruction, with n responses and c(a) of them answering a (nil answers count in n, not as
/// votes), and top = the largest c(a):
/// - a response whose answer has c(a) = top scores 1 + 4 · top / n (5 when all n agree);
/// - a response with another answer, or none, scores 1.
/// Answers tied at the top all count as the majority and score alike (no tie is broken here, so
/// nothing depends on input order; `Selection`'s own ranking then decides). A lone response with an
/// answer scores 5. The judge never abstains.
public final class ConsensusJudge: Judge {
    public let name: String
    let extractor: any FinalAnswerExtractor

    public init(name: String = "consensus", extractor: any FinalAnswerExtractor = GenericAnswerExtractor()) {
        self.name = name; self.extractor = extractor
    }

    public var identifier: String { "consensus-judge/v1|\(extractor.identifier)" }

    public func score(_ inputs: [JudgeInput], progress: ProgressCallback?) throws -> [JudgeVerdict] {
        let answers = inputs.map { extractor.answer(in: $0.response) }
        var groups: [String: [Int]] = [:]
        for (i, input) in inputs.enumerated() { groups[input.instruction, default: []].append(i) }
        var verdicts = [JudgeVerdict](repeating: JudgeVerdict(score: nil, raw: ""), count: inputs.count)
        for members in groups.values {
            for (i, v) in zip(members, Self.scores(members.map { answers[$0] })) { verdicts[i] = v }
        }
        progress?(inputs.count)
        return verdicts
    }

    /// The verdicts for the answers of one instruction's responses (nil: no answer found).
    public static func scores(_ answers: [String?]) -> [JudgeVerdict] {
        var votes: [String: Int] = [:]
        for case let a? in answers { votes[a, default: 0] += 1 }
        let n = answers.count, top = votes.values.max() ?? 0
        return answers.map { a in
            guard let a else { return JudgeVerdict(score: 1, raw: "no answer") }
            let c = votes[a]!
            let raw = "\(c)/\(n) \(c == top ? "majority" : "minority"): \(a)"
            return JudgeVerdict(score: c == top ? 1 + 4 * Double(top) / Double(n) : 1, raw: raw)
        }
    }
}
