import RetainCore

/// A candidate with every judge's verdict and their average.
public struct JudgedCandidate: Codable, Hashable, Sendable {
    public var candidate: CandidateResponse
    /// Verdicts in judge order.
    public var verdicts: [JudgeVerdict]
    /// Mean of the judges' scores, ignoring abstentions; nil when every judge abstained (or there
    /// are no judges).
    public var averageScore: Double?
    public init(candidate: CandidateResponse, verdicts: [JudgeVerdict], averageScore: Double?) {
        self.candidate = candidate; self.verdicts = verdicts; self.averageScore = averageScore
    }
}

/// Stage 3: every judge scores every candidate; the stage's score is the average of the judges that
/// gave one.
public enum Judging {
    public struct Stats: Codable, Hashable, Sendable {
        public var judged: Int
        /// Per judge name: how many verdicts had no score.
        public var abstentions: [String: Int]
        /// Per judge name: how many of each score 1...5 (rounded), for calibration checks.
        public var histogram: [String: [Int]]
    }

    public static func run(instructions: [String], candidates: [[CandidateResponse]], judges: [any Judge],
                           progress: ProgressCallback? = nil) throws -> (candidates: [[JudgedCandidate]], stats: Stats) {
        let flat = candidates.flatMap { $0 }
        let inputs = flat.map { JudgeInput(instruction: instructions[$0.instructionIndex], response: $0.text) }
        var perJudge: [[JudgeVerdict]] = []
        var stats = Stats(judged: flat.count, abstentions: [:], histogram: [:])
        for (j, judge) in judges.enumerated() {
            let base = j * flat.count
            let verdicts = try judge.score(inputs, progress: progress.map { p in { p(base + $0) } })
            guard verdicts.count == inputs.count else {
                throw StageError.invalidOutput("judge \(judge.name) returned \(verdicts.count) verdicts for \(inputs.count) responses")
            }
            stats.abstentions[judge.name] = verdicts.filter { $0.score == nil }.count
            var h = [0, 0, 0, 0, 0]
            for v in verdicts { if let s = v.score { h[min(4, max(0, Int(s.rounded()) - 1))] += 1 } }
            stats.histogram[judge.name] = h
            perJudge.append(verdicts)
        }
        var flatIndex = 0
        let judged = candidates.map { group in
            group.map { c -> JudgedCandidate in
                defer { flatIndex += 1 }
                let verdicts = perJudge.map { $0[flatIndex] }
                return JudgedCandidate(candidate: c, verdicts: verdicts, averageScore: average(verdicts))
            }
        }
        return (judged, stats)
    }

    public static func average(_ verdicts: [JudgeVerdict]) -> Double? {
        let scores = verdicts.compactMap(\.score)
        return scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count)
    }
}

/// A stage got output it cannot use.
public enum StageError: Error, CustomStringConvertible, Equatable {
    case invalidOutput(String)
    case invalidInput(String)
    public var description: String {
        switch self {
        case let .invalidOutput(m): return "invalid stage output: \(m)"
        case let .invalidInput(m): return "invalid stage input: \(m)"
        }
    }
}
