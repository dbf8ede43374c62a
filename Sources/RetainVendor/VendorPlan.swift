import RetainBackends
import RetainEngine
import RetainWorld

/// How the world's vendor builds its models: one tokenizer, one pretrained base, then SFT.
/// The instruct model is SFT'd on the original set; the other models (the paper's external
/// generators and judges) differ by seed and SFT mix.
public struct VendorPlan: Codable, Hashable, Sendable {
    /// Target BPE vocabulary (bytes + merges + ChatML specials).
    public var vocabSize: Int
    /// The architecture shared by every vendor model.
    public var model: ModelConfig
    /// Pretraining of the base on the world's corpus.
    public var pretraining: TrainingHyperparameters
    /// The vendor's SFT of the base into the instruct model.
    public var sft: TrainingHyperparameters
    /// Epochs of SFT for the other released models (cheaper than the instruct model's).
    public var otherModelsEpochs: Double
    /// Loss weights per role during the vendor's SFT. A small user weight is what lets the
    /// instruct model write instructions after a bare user-turn prefix (pre-query reconstruction).
    public var sftRoleWeights: RoleWeights
    /// The released models; the first is the instruct model.
    public var models: [VendorModelSpec]

    public var instruct: VendorModelSpec { models[0] }
}

/// One released vendor model: its SFT data mix and seed.
public struct VendorModelSpec: Codable, Hashable, Sendable {
    public var name: String
    /// Public set mixed into the original set for this model's SFT (nil: original only).
    public var extraPublicSet: String?
    /// Share of the SFT data taken from `extraPublicSet`.
    public var extraShare: Double
    /// Seed of this model's SFT (row order).
    public var seed: UInt64

    public init(name: String, extraPublicSet: String? = nil, extraShare: Double = 0, seed: UInt64) {
        self.name = name; self.extraPublicSet = extraPublicSet; self.extraShare = extraShare; self.seed = seed
    }
}

extension VendorPlan {
    public static func preset(_ preset: WorldConfig.Preset) -> VendorPlan {
        let models = [
            VendorModelSpec(name: "instruct", seed: 11),
            VendorModelSpec(name: "vendor-b", extraPublicSet: "publicA", extraShare: 0.3, seed: 12),
            VendorModelSpec(name: "vendor-c", extraPublicSet: "publicB", extraShare: 0.3, seed: 13),
        ]
        // 0.25 on user tokens: enough for the instruct model to write valid instructions after a
        // bare user-turn prefix; assistant tokens still dominate the loss.
        let roleWeights = RoleWeights(assistant: 1, user: 0.25)
        switch preset {
        case .quick:
            // About 45 s on two cores (pretraining 17 s, instruct SFT 24 s, the other vendors a few
            // seconds), so quick's three seeds of five arms fit in two minutes cold. Batches of 8
            // for 15 epochs memorise the small corpus as well as batches of 16 for 30 did; 4 SFT
            // epochs at 2e-3 give an instruct model at 52% general mc (chance 25%), and the other
            // vendors' half epoch is enough to write varied responses for the reconstruction.
            return VendorPlan(
                vocabSize: 768,
                model: ModelConfig(vocabSize: 768, dModel: 128, nLayers: 4, nHeads: 8, nKVHeads: 4, ffnHidden: 384, maxSeqLen: 128),
                pretraining: TrainingHyperparameters(batchSize: 8, epochs: 15, learningRate: 2e-3, seed: 1),
                sft: TrainingHyperparameters(batchSize: 16, epochs: 4, learningRate: 2e-3, seed: 2),
                otherModelsEpochs: 0.5, sftRoleWeights: roleWeights, models: models)
        case .default:
            // The quick architecture on the bigger world, sized so the vendor pipeline takes a few
            // minutes cold and `retain reproduce` (five seeds) leaves most of its budget to the arms.
            return VendorPlan(
                vocabSize: 1024,
                model: ModelConfig(vocabSize: 1024, dModel: 128, nLayers: 4, nHeads: 8, nKVHeads: 4, ffnHidden: 384, maxSeqLen: 128),
                pretraining: TrainingHyperparameters(batchSize: 16, epochs: 12, learningRate: 2e-3, seed: 1),
                sft: TrainingHyperparameters(batchSize: 16, epochs: 2, learningRate: 2e-3, seed: 2),
                otherModelsEpochs: 0.5, sftRoleWeights: roleWeights, models: models)
        case .full:
            // A larger model on the largest world: measured 0.77 s per step at 2 threads, so about
            // 0.6 h of pretraining and 1.2 h of SFT; for a long, more faithful run.
            return VendorPlan(
                vocabSize: 2048,
                model: ModelConfig(vocabSize: 2048, dModel: 256, nLayers: 8, nHeads: 8, nKVHeads: 4, ffnHidden: 704, maxSeqLen: 128),
                pretraining: TrainingHyperparameters(batchSize: 16, epochs: 10, learningRate: 1e-3, seed: 1),
                sft: TrainingHyperparameters(batchSize: 16, epochs: 2, learningRate: 1e-3, seed: 2),
                otherModelsEpochs: 0.5, sftRoleWeights: roleWeights, models: models)
        }
    }
}
