import RetainCore

/// Stage 4: the best response per instruction.
///
/// Ranking, highest first: average judge score (a candidate no judge scored ranks below every
/// scored one), then a response that ended its turn over one cut by the token limit, then
/// generator order, then sample order, so ties break the same way on every run. With a minimum
/// score, an instruction whose best candidate scores below it is dropped.
public enum Selection {
    public struct Stats: Codable, Hashable, Sendable {
        public var instructions = 0
        public var selected = 0
        public var belowMinimum = 0
        /// Instructions whose candidates no judge scored (with judges present).
        public var unscored = 0
        public var noCandidates = 0
        /// Selected responses per generator.
        public var byGenerator: [String: Int] = [:]
        public var meanSelectedScore: Double? = nil
        public init() {}
    }

    public struct Selected: Codable, Hashable, Sendable {
        public var instruction: String
        public var response: JudgedCandidate
    }

    public static func run(instructions: [String], judged: [[JudgedCandidate]], generatorOrder: [String],
                           minimumScore: Double? = nil) -> (selected: [Selected], stats: Stats) {
        var stats = Stats()
        stats.instructions = instructions.count
        var out: [Selected] = []
        var scoreSum = 0.0, scored = 0
        let order = Dictionary(generatorOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, group) in judged.enumerated() {
            guard let best = group.min(by: { ranksBefore($0, $1, order) }) else { stats.noCandidates += 1; continue }
            let hasJudges = !(best.verdicts.isEmpty)
            if hasJudges, best.averageScore == nil { stats.unscored += 1; continue }
            if let min = minimumScore, (best.averageScore ?? -.infinity) < min { stats.belowMinimum += 1; continue }
            out.append(Selected(instruction: instructions[i], response: best))
            stats.byGenerator[best.candidate.generator, default: 0] += 1
            if let s = best.averageScore { scoreSum += s; scored += 1 }
        }
        stats.selected = out.count
        stats.meanSelectedScore = scored > 0 ? scoreSum / Double(scored) : nil
        return (out, stats)
    }

    /// Whether `a` ranks strictly before `b`.
    static func ranksBefore(_ a: JudgedCandidate, _ b: JudgedCandidate, _ order: [String: Int]) -> Bool {
        let sa = a.averageScore ?? -.infinity, sb = b.averageScore ?? -.infinity
        if sa != sb { return sa > sb }
        let fa = a.candidate.finishReason == .stop, fb = b.candidate.finishReason == .stop
        if fa != fb { return fa }
        let ga = order[a.candidate.generator] ?? Int.max, gb = order[b.candidate.generator] ?? Int.max
        if ga != gb { return ga < gb }
        return a.candidate.sampleIndex < b.candidate.sampleIndex
    }

    /// The selected pairs as single-turn conversations.
    public static func conversations(_ selected: [Selected], source: String) -> [Conversation] {
        selected.map { Conversation(messages: [.user($0.instruction), .assistant($0.response.candidate.text)], source: source) }
    }
}
