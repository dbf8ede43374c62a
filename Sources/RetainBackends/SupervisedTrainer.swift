import Foundation
import RetainEngine

/// Hyperparameters of one training run (pretraining or SFT). Every field has a default and a reason.
public struct TrainingHyperparameters: Codable, Hashable, Sendable {
    /// Rows per optimizer step; 16 × 128 tokens fills both cores' GEMMs well.
    public var batchSize: Int = 16
    /// Passes over the packed rows.
    public var epochs: Double = 1
    /// When set, the exact number of optimizer steps (overrides `epochs`).
    public var steps: Int? = nil
    /// When set (and `steps` is not), train on this many tokens: ⌈tokens / (batch × row length)⌉
    /// steps, so arms with different data sizes get the same compute (overrides `epochs`).
    public var tokens: Int? = nil
    /// Peak learning rate; 1e-3 suits models of a few million parameters.
    public var learningRate: Float = 1e-3
    /// Share of steps spent warming up linearly.
    public var warmupFraction: Float = 0.05
    /// Final learning rate as a share of the peak (cosine decay).
    public var minLearningRateRatio: Float = 0.1
    public var optimizer = AdamWConfig()
    /// Seed of the row shuffle.
    public var seed: UInt64 = 0

    public init(batchSize: Int = 16, epochs: Double = 1, learningRate: Float = 1e-3, warmupFraction: Float = 0.05,
                minLearningRateRatio: Float = 0.1, optimizer: AdamWConfig = AdamWConfig(), seed: UInt64 = 0,
                steps: Int? = nil, tokens: Int? = nil) {
        self.batchSize = batchSize; self.epochs = epochs; self.steps = steps; self.tokens = tokens; self.learningRate = learningRate
        self.warmupFraction = warmupFraction; self.minLearningRateRatio = minLearningRateRatio
        self.optimizer = optimizer; self.seed = seed
    }
}

/// Progress of a training run, reported after every step.
public struct TrainingProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var loss: Float
    public var learningRate: Float
    public var tokensPerSecond: Double
    public var elapsed: Double
}

/// Trains a model on packed rows: seeded shuffles per epoch, AdamW, warmup + cosine schedule.
public enum SupervisedTrainer {
    /// Runs the whole schedule and returns the loss of every step.
    @discardableResult
    public static func train(_ model: LlamaModel, rows: [WeightedTokens], hyperparameters h: TrainingHyperparameters,
                             progress: ((TrainingProgress) -> Void)? = nil) throws -> [Float] {
        guard !rows.isEmpty else { throw EngineError.invalidArgument("no training rows") }
        guard h.batchSize > 0, h.epochs > 0, (h.steps ?? 1) > 0 else {
            throw EngineError.invalidArgument("batchSize, epochs and steps must be positive (got \(h.batchSize), \(h.epochs), \(h.steps ?? 1))")
        }
        let batchSize = min(h.batchSize, rows.count)
        let stepsPerEpoch = rows.count / batchSize
        let tokensPerStep = batchSize * max(1, rows[0].ids.count - 1)
        let totalSteps = h.steps ?? h.tokens.map { max(1, ($0 + tokensPerStep - 1) / tokensPerStep) }
            ?? max(1, Int((Double(stepsPerEpoch) * h.epochs).rounded()))
        let schedule = LearningRateSchedule(peak: h.learningRate, warmupSteps: Int(Float(totalSteps) * h.warmupFraction),
                                            totalSteps: totalSteps, minRatio: h.minLearningRateRatio)
        let optimizer = AdamW(model: model, config: h.optimizer)
        var rng = SeededRandom(seed: h.seed)
        var order: [Int] = []
        var cursor = 0
        var losses: [Float] = []
        let start = Clock.now()
        var tokens = 0
        for step in 0..<totalSteps {
            if cursor + batchSize > order.count {
                order = Array(rows.indices)
                rng.shuffle(&order)
                cursor = 0
            }
            let batchRows = order[cursor..<(cursor + batchSize)].map { rows[$0] }
            cursor += batchSize
            let batch = try TrainingBatch(rows: batchRows[...])
            let loss = try model.forwardBackward(batch)
            guard loss.isFinite else { throw EngineError.invalidArgument("training diverged: loss \(loss) at step \(step + 1)") }
            let lr = schedule.rate(at: step)
            optimizer.update(model, lr: lr)
            losses.append(loss)
            tokens += batch.batchSize * batch.seqLen
            let elapsed = Clock.now() - start
            progress?(TrainingProgress(step: step + 1, totalSteps: totalSteps, loss: loss, learningRate: lr,
                                       tokensPerSecond: Double(tokens) / max(elapsed, 1e-9), elapsed: elapsed))
        }
        return losses
    }

    /// Weighted mean loss over rows (the training weighting), in batches of `batchSize` rows.
    public static func meanLoss(_ model: LlamaModel, rows: [WeightedTokens], batchSize: Int = 16) throws -> Double {
        var total = 0.0, weight = 0.0
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            let batch = try TrainingBatch(rows: rows[start..<min(start + batchSize, rows.count)])
            let w = Double(batch.weights.reduce(0, +))
            total += Double(try model.loss(batch)) * w
            weight += w
        }
        return weight > 0 ? total / weight : 0
    }
}
