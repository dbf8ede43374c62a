/// A [B, T] block of token ids with next-token targets and per-token loss weights.
///
/// Weights let SFT train on assistant tokens only (weight 1), optionally with a small weight on
/// user-turn tokens, and 0 for padding and template tokens.
public struct TrainingBatch: Sendable {
    public let batchSize: Int
    public let seqLen: Int
    public var tokens: [Int32]
    public var targets: [Int32]
    public var weights: [Float]

    public init(batchSize: Int, seqLen: Int, tokens: [Int32], targets: [Int32], weights: [Float]? = nil) throws {
        let n = batchSize * seqLen
        guard batchSize > 0, seqLen > 0 else { throw EngineError.invalidArgument("batch size and sequence length must be positive") }
        guard tokens.count == n else { throw EngineError.shapeMismatch(what: "tokens", expected: n, got: tokens.count) }
        guard targets.count == n else { throw EngineError.shapeMismatch(what: "targets", expected: n, got: targets.count) }
        let w = weights ?? [Float](repeating: 1, count: n)
        guard w.count == n else { throw EngineError.shapeMismatch(what: "weights", expected: n, got: w.count) }
        if let bad = w.firstIndex(where: { !($0 >= 0) || !$0.isFinite }) {
            throw EngineError.invalidArgument("loss weight at position \(bad) is \(w[bad]); expected a finite value >= 0")
        }
        self.batchSize = batchSize
        self.seqLen = seqLen
        self.tokens = tokens
        self.targets = targets
        self.weights = w
    }

    func validate(vocabSize: Int, maxSeqLen: Int) throws {
        if seqLen > maxSeqLen { throw EngineError.sequenceTooLong(length: seqLen, maxSeqLen: maxSeqLen) }
        for (i, t) in tokens.enumerated() where t < 0 || Int(t) >= vocabSize {
            throw EngineError.tokenOutOfRange(token: Int(t), vocabSize: vocabSize, position: i)
        }
        for (i, t) in targets.enumerated() where (t < 0 || Int(t) >= vocabSize) && weights[i] > 0 {
            throw EngineError.tokenOutOfRange(token: Int(t), vocabSize: vocabSize, position: i)
        }
    }
}
