import Foundation
import RetainCore

/// Lifecycle of a stage run.
public enum StageStatus: String, Sendable, Codable, CaseIterable {
    case running, done, failed
}

/// How a benchmark item is scored: log-likelihood multiple choice or generation.
public enum BenchmarkVariant: String, Sendable, Codable, CaseIterable {
    case mc, gen
}

/// A row of `experiments`.
public struct ExperimentRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var specHash: String
    public var specText: String
    public var createdAt: String
    public var updatedAt: String
}

/// A row of `arms`: an arm's name and resolved configuration, in spec order.
public struct ArmRecord: Sendable, Equatable {
    public var name: String
    public var configJSON: String
    public init(name: String, configJSON: String) { self.name = name; self.configJSON = configJSON }
}

/// A row of `stage_runs`.
public struct StageRunRecord: Sendable, Equatable {
    public var hash: String
    public var kind: String
    public var configJSON: String
    public var inputsJSON: String
    public var codeVersion: Int
    public var status: StageStatus
    public var startedAt: String?
    public var finishedAt: String?
    public var wallSeconds: Double?
    public var statsJSON: String?
    public var error: String?
    /// How many times `markRunning` started this run.
    public var attempts: Int
}

/// One generated response to an instruction (`instructionIndex` indexes an input stage's instructions).
public struct ResponseRecord: Sendable, Equatable {
    public var instructionIndex: Int
    public var responseIndex: Int
    public var generator: String
    public var sampleIndex: Int
    public var text: String
    /// Why generation stopped (e.g. "stop", "length"), as the generator reports it.
    public var finishReason: String
    public init(instructionIndex: Int, responseIndex: Int, generator: String, sampleIndex: Int, text: String, finishReason: String) {
        self.instructionIndex = instructionIndex; self.responseIndex = responseIndex
        self.generator = generator; self.sampleIndex = sampleIndex; self.text = text; self.finishReason = finishReason
    }
}

/// One judge's verdict on a response. `score` is nil when the judge's reply was unparseable.
public struct JudgmentRecord: Sendable, Equatable {
    public var instructionIndex: Int
    public var responseIndex: Int
    public var judge: String
    public var score: Double?
    public var raw: String
    public init(instructionIndex: Int, responseIndex: Int, judge: String, score: Double?, raw: String) {
        self.instructionIndex = instructionIndex; self.responseIndex = responseIndex
        self.judge = judge; self.score = score; self.raw = raw
    }
}

/// One example of a dataset: a conversation plus optional per-example metadata (JSON).
public struct DatasetExample: Sendable, Equatable {
    public var conversation: Conversation
    public var metaJSON: String?
    public init(conversation: Conversation, metaJSON: String? = nil) {
        self.conversation = conversation; self.metaJSON = metaJSON
    }
}

/// A row of `datasets` (without its examples).
public struct DatasetRecord: Sendable, Equatable {
    public var hash: String
    public var stageHash: String
    public var name: String
    public var count: Int
}

/// A trained (or referenced) model. Checkpoint fields are nil for models without local weights.
public struct ModelRecord: Sendable, Equatable {
    public var hash: String
    public var identifier: String
    public var checkpointPath: String?
    public var checkpointHash: String?
    public init(hash: String, identifier: String, checkpointPath: String?, checkpointHash: String?) {
        self.hash = hash; self.identifier = identifier
        self.checkpointPath = checkpointPath; self.checkpointHash = checkpointHash
    }
}

/// One scored benchmark item.
public struct PredictionRecord: Sendable, Equatable {
    public var benchmark: String
    public var itemID: String
    public var variant: BenchmarkVariant
    public var correct: Bool
    /// mc: acc_norm correctness; gen: strict-extraction correctness; nil when not applicable.
    public var correctNorm: Bool?
    /// gen: the extracted answer, if any.
    public var extracted: String?
    /// The raw model output (log-likelihoods or generated text) as JSON.
    public var outputJSON: String
    public init(benchmark: String, itemID: String, variant: BenchmarkVariant, correct: Bool, correctNorm: Bool?,
                extracted: String?, outputJSON: String) {
        self.benchmark = benchmark; self.itemID = itemID; self.variant = variant; self.correct = correct
        self.correctNorm = correctNorm; self.extracted = extracted; self.outputJSON = outputJSON
    }
}

/// A row of `benchmark_items`.
public struct BenchmarkItemRecord: Sendable, Equatable {
    public var benchmark: String
    public var itemID: String
    public var variant: BenchmarkVariant
    public var kind: BenchmarkKind
    public var family: String
    public var payloadJSON: String
    public init(benchmark: String, itemID: String, variant: BenchmarkVariant, kind: BenchmarkKind, family: String,
                payloadJSON: String) {
        self.benchmark = benchmark; self.itemID = itemID; self.variant = variant; self.kind = kind
        self.family = family; self.payloadJSON = payloadJSON
    }
}

/// A row of `arm_results`: which evaluation run holds an arm × seed × benchmark's results.
public struct ArmResultRecord: Sendable, Equatable {
    public var arm: String
    public var seed: UInt64
    public var benchmark: String
    public var kind: BenchmarkKind
    public var evalHash: String
    public init(arm: String, seed: UInt64, benchmark: String, kind: BenchmarkKind, evalHash: String) {
        self.arm = arm; self.seed = seed; self.benchmark = benchmark; self.kind = kind; self.evalHash = evalHash
    }
}

/// A row of the `summary` view (see `Schema`).
public struct SummaryRow: Sendable, Equatable {
    public var experiment: String
    public var arm: String
    public var seed: UInt64
    public var benchmark: String
    public var kind: BenchmarkKind
    public var variant: BenchmarkVariant
    public var n: Int
    public var accuracy: Double
    public var nNorm: Int
    public var accuracyNorm: Double?
    public init(experiment: String, arm: String, seed: UInt64, benchmark: String, kind: BenchmarkKind,
                variant: BenchmarkVariant, n: Int, accuracy: Double, nNorm: Int, accuracyNorm: Double?) {
        self.experiment = experiment; self.arm = arm; self.seed = seed; self.benchmark = benchmark; self.kind = kind
        self.variant = variant; self.n = n; self.accuracy = accuracy; self.nNorm = nNorm; self.accuracyNorm = accuracyNorm
    }
}

/// A row of `experiment_stages`: a stage run an experiment used.
public struct ExperimentStageRecord: Sendable, Equatable {
    public var stageHash: String
    public var kind: String
    public var role: String
    public var seed: UInt64?
    public init(stageHash: String, kind: String, role: String, seed: UInt64?) {
        self.stageHash = stageHash; self.kind = kind; self.role = role; self.seed = seed
    }
}
