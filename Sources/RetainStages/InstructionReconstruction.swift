import RetainCore

/// Stage 1: rebuild the instruct model's hidden instruction distribution by sending it only its
/// chat template's user-turn prefix ("pre-query" prompting) and letting it write the user's message.
public enum InstructionReconstruction {
    public struct Config: Codable, Hashable, Sendable {
        public var count: Int
        public var temperature: Double
        public var topP: Double
        public var maxTokens: Int
        /// Word-trigram Jaccard at or above which an instruction is a near duplicate of an earlier one.
        public var dedupThreshold: Double
        public var minChars: Int
        public var maxChars: Int
        public var seed: UInt64

        public init(count: Int, temperature: Double = 1.0, topP: Double = 0.98, maxTokens: Int = 48,
                    dedupThreshold: Double = 0.8, minChars: Int = 8, maxChars: Int = 400, seed: UInt64) {
            self.count = count; self.temperature = temperature; self.topP = topP; self.maxTokens = maxTokens
            self.dedupThreshold = dedupThreshold; self.minChars = minChars; self.maxChars = maxChars; self.seed = seed
        }
    }

    /// What was sampled, and what was dropped and why. `kept` + every drop count == `sampled`.
    public struct Stats: Codable, Hashable, Sendable {
        public var sampled = 0
        /// The model ended the turn (or the text) without writing anything.
        public var empty = 0
        public var tooShort = 0
        public var tooLong = 0
        /// Ran into the token limit before ending the user turn: an unfinished instruction.
        public var unfinished = 0
        public var exactDuplicates = 0
        public var nearDuplicates = 0
        public var kept = 0
        public init() {}
    }

    public struct Output: Codable, Hashable, Sendable {
        public var instructions: [String]
        public var stats: Stats
    }

    public static func run(model: any LanguageModel, config: Config, progress: ProgressCallback? = nil) throws -> Output {
        let requests = (0..<config.count).map { i in
            RawGenerationRequest(prompt: model.userTurnPrefix, options: GenerationOptions(
                maxTokens: config.maxTokens, temperature: config.temperature, topP: config.topP,
                seed: StageSeed.derive(config.seed, "pre-query", i), stop: [model.endOfTurn]))
        }
        let completions = try model.generate(raw: requests, progress: progress)
        return filter(completions.map(\.text), config: config, hitLimit: { completions[$0].finishReason == .length })
    }

    /// Length filters, then exact and near-duplicate removal, in sampling order.
    /// `hitLimit(i)` says whether sample i stopped at the token limit rather than at the end of the turn.
    public static func filter(_ texts: [String], config: Config, hitLimit: (Int) -> Bool) -> Output {
        var stats = Stats()
        stats.sampled = texts.count
        var candidates: [String] = []
        for (i, raw) in texts.enumerated() {
            let text = raw.trimmingWhitespace()
            if text.isEmpty { stats.empty += 1; continue }
            if hitLimit(i) { stats.unfinished += 1; continue }
            if text.count < config.minChars { stats.tooShort += 1; continue }
            if text.count > config.maxChars { stats.tooLong += 1; continue }
            candidates.append(text)
        }
        var kept: [String] = []
        for (text, verdict) in zip(candidates, NearDuplicateFilter(threshold: config.dedupThreshold).verdicts(candidates)) {
            switch verdict {
            case .keep: kept.append(text)
            case .exactDuplicate: stats.exactDuplicates += 1
            case .nearDuplicate: stats.nearDuplicates += 1
            }
        }
        stats.kept = kept.count
        return Output(instructions: kept, stats: stats)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
