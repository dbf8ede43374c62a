import RetainCore

/// A named model taking part in a stage (a generator or a judge's model).
public struct NamedModel {
    public var name: String
    public var model: any LanguageModel
    public init(name: String, model: any LanguageModel) { self.name = name; self.model = model }
}

/// One candidate response to one instruction.
public struct CandidateResponse: Codable, Hashable, Sendable {
    public var instructionIndex: Int
    public var generator: String
    /// Index of the sample among this generator's responses to this instruction.
    public var sampleIndex: Int
    public var text: String
    public var finishReason: Completion.FinishReason
    public init(instructionIndex: Int, generator: String, sampleIndex: Int, text: String, finishReason: Completion.FinishReason) {
        self.instructionIndex = instructionIndex; self.generator = generator; self.sampleIndex = sampleIndex
        self.text = text; self.finishReason = finishReason
    }
}

/// Stage 2: M generator models × K sampled responses per instruction (paper: 3 × 3).
public enum ResponseGeneration {
    public struct Config: Codable, Hashable, Sendable {
        public var responsesPerModel: Int
        public var temperature: Double
        public var topP: Double
        public var maxTokens: Int
        public var seed: UInt64
        public init(responsesPerModel: Int, temperature: Double = 0.7, topP: Double = 0.95, maxTokens: Int = 48, seed: UInt64) {
            self.responsesPerModel = responsesPerModel; self.temperature = temperature; self.topP = topP
            self.maxTokens = maxTokens; self.seed = seed
        }
    }

    /// Candidates for every instruction, grouped by instruction; within one instruction, in generator
    /// order then sample order. A sample's seed depends on (seed, generator, instruction, sample) only,
    /// so K = 1 gives exactly the first sample of K = 3.
    public static func run(instructions: [String], generators: [NamedModel], config: Config,
                           progress: ProgressCallback? = nil) throws -> [[CandidateResponse]] {
        var out = Array(repeating: [CandidateResponse](), count: instructions.count)
        var done = 0
        for g in generators {
            var requests: [ChatGenerationRequest] = []
            var coordinates: [(instruction: Int, sample: Int)] = []
            for (i, instruction) in instructions.enumerated() {
                for k in 0..<config.responsesPerModel {
                    requests.append(ChatGenerationRequest(messages: [.user(instruction)], options: GenerationOptions(
                        maxTokens: config.maxTokens, temperature: config.temperature, topP: config.topP,
                        seed: StageSeed.derive(config.seed, "response:" + g.name, i, k))))
                    coordinates.append((i, k))
                }
            }
            let base = done
            let completions = try g.model.generate(requests, progress: progress.map { p in { p(base + $0) } })
            for (c, completion) in zip(coordinates, completions) {
                out[c.instruction].append(CandidateResponse(instructionIndex: c.instruction, generator: g.name, sampleIndex: c.sample,
                                                            text: completion.text.trimmingWhitespace(), finishReason: completion.finishReason))
            }
            done += requests.count
        }
        return out
    }
}
