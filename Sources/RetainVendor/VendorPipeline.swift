import Foundation
import RetainBackends
import RetainCore
import RetainEngine
import RetainTokenizer
import RetainWorld

/// A model the world's vendor released, behind the text-level interface.
public struct VendorModel: Sendable {
    public let spec: VendorModelSpec
    public let lm: EmbeddedLM
    /// Loaded from the cache rather than trained in this run.
    public let cached: Bool
}

/// The world's vendor: trains (or loads from the cache) a BPE tokenizer on its own data, a base
/// model pretrained on the world's corpus, and the released models SFT'd from that base.
public final class VendorPipeline {
    /// Bump when the training code changes in a way that changes results, to invalidate caches.
    public static let codeVersion = "vendor-v3"

    public let world: World
    public let plan: VendorPlan
    public let cache: ModelCache
    let log: (String) -> Void
    private var tokenizerCache: (BPETokenizer, String)?
    private var baseCache: (LlamaModel, String)?

    public init(world: World, plan: VendorPlan, cache: ModelCache = ModelCache(), log: @escaping (String) -> Void = { print($0) }) {
        self.world = world; self.plan = plan; self.cache = cache; self.log = log
    }

    /// Content key of everything upstream of the tokenizer.
    private func tokenizerKey() throws -> String {
        try ContentHash.of(TokenizerKey(code: Self.codeVersion, world: world.config, vocabSize: plan.vocabSize))
    }

    public func tokenizer() throws -> (BPETokenizer, key: String) {
        if let t = tokenizerCache { return t }
        let key = try tokenizerKey()
        let t0 = Clock.now()
        let (tok, cached) = try cache.tokenizer(kind: "tokenizer", key: key) {
            let template = ChatTemplate()
            let sft = world.originalSFT.map { template.render(chatMessages($0), addGenerationPrompt: false) }
            return try BPETokenizer.train(corpus: world.pretrainingCorpus + sft, vocabSize: plan.vocabSize,
                                          specialTokens: SpecialTokens.chatML)
        }
        log(String(format: "tokenizer %@: %d ids (%@, %.1f s)", key, tok.vocabSize, cached ? "cached" : "trained", Clock.now() - t0))
        tokenizerCache = (tok, key)
        return (tok, key)
    }

    /// The architecture, sized to the trained tokenizer.
    public func modelConfig() throws -> ModelConfig {
        var c = plan.model
        c.vocabSize = try tokenizer().0.vocabSize
        return c
    }

    /// The base model pretrained on the world's corpus.
    public func base() throws -> (LlamaModel, key: String) {
        if let b = baseCache { return b }
        let (tok, tokKey) = try tokenizer()
        let config = try modelConfig()
        let key = try ContentHash.of(BaseKey(code: Self.codeVersion, numerics: EngineNumerics.key, tokenizer: tokKey, model: config, training: plan.pretraining))
        let t0 = Clock.now()
        let (model, cached) = try cache.model(kind: "base", key: key, metadata: ["role": "pretrained base"]) {
            let packer = try TokenPacker(tokenizer: tok)
            let rows = packer.pack(world.pretrainingCorpus.map(packer.document), length: config.maxSeqLen + 1)
            log("pretraining base on \(rows.count) rows of \(config.maxSeqLen) tokens (\(world.pretrainingCorpus.count) documents)")
            let model = try LlamaModel(config: config, seed: plan.pretraining.seed)
            try SupervisedTrainer.train(model, rows: rows, hyperparameters: plan.pretraining, progress: reporter("pretrain"))
            return model
        }
        log(String(format: "base %@: %d parameters (%@, %.1f s)", key, model.parameterCount, cached ? "cached" : "trained", Clock.now() - t0))
        baseCache = (model, key)
        return (model, key)
    }

    /// Every released model, the instruct model first.
    public func releasedModels() throws -> [VendorModel] {
        try plan.models.map(released)
    }

    public func instruct() throws -> VendorModel { try released(plan.instruct) }

    public func released(_ spec: VendorModelSpec) throws -> VendorModel {
        let (tok, _) = try tokenizer()
        let (base, baseKey) = try base()
        let key = try ContentHash.of(SFTKey(code: Self.codeVersion, numerics: EngineNumerics.key, base: baseKey, spec: spec, training: plan.sft,
                                            otherModelsEpochs: spec == plan.instruct ? nil : plan.otherModelsEpochs,
                                            roleWeights: plan.sftRoleWeights))
        let t0 = Clock.now()
        let (model, cached) = try cache.model(kind: spec.name, key: key, metadata: ["role": "vendor model \(spec.name)"]) {
            let conversations = try sftData(spec)
            let packer = try TokenPacker(tokenizer: tok)
            let examples = try conversations.map { try packer.chat(chatMessages($0), weights: plan.sftRoleWeights) }
            let rows = packer.pack(examples, length: base.config.maxSeqLen + 1)
            log("SFT of \(spec.name) on \(conversations.count) conversations (\(rows.count) rows)")
            let model = try base.copy()
            var h = plan.sft
            h.seed = spec.seed
            if spec != plan.instruct { h.epochs = plan.otherModelsEpochs }
            try SupervisedTrainer.train(model, rows: rows, hyperparameters: h, progress: reporter("sft \(spec.name)"))
            return model
        }
        log(String(format: "%@ %@: %@ (%.1f s)", spec.name, key, cached ? "cached" : "trained", Clock.now() - t0))
        return VendorModel(spec: spec, lm: try EmbeddedLM(model: model, tokenizer: tok), cached: cached)
    }

    /// The original set, plus a share of a public set for the non-instruct models.
    func sftData(_ spec: VendorModelSpec) throws -> [Conversation] {
        guard let name = spec.extraPublicSet else { return world.originalSFT }
        guard let set = world.publicSets.first(where: { $0.name == name }) else {
            throw EngineError.invalidArgument("vendor model \(spec.name): no public set named \(name)")
        }
        let extra = Int((Double(world.originalSFT.count) * spec.extraShare / max(1e-9, 1 - spec.extraShare)).rounded())
        var rng = WorldRandom(seed: spec.seed)
        var mixed = world.originalSFT + rng.shuffled(set.conversations).prefix(extra)
        rng.shuffle(&mixed)
        return mixed
    }

    /// Logs a progress line every 10% of a training run, and at least every 30 seconds.
    private func reporter(_ label: String) -> (TrainingProgress) -> Void {
        var lastLogged = 0.0
        return { [log] p in
            let every = max(1, p.totalSteps / 10)
            if p.step % every == 0 || p.step == p.totalSteps || p.elapsed - lastLogged >= 30 {
                lastLogged = p.elapsed
                log(String(format: "  %@ step %d/%d  loss %.4f  lr %.2e  %.0f tokens/s  %.0f s", label, p.step, p.totalSteps,
                           p.loss, p.learningRate, p.tokensPerSecond, p.elapsed))
            }
        }
    }

    private struct TokenizerKey: Encodable { let code: String; let world: WorldConfig; let vocabSize: Int }
    private struct BaseKey: Encodable { let code: String; let numerics: String; let tokenizer: String; let model: ModelConfig; let training: TrainingHyperparameters }
    private struct SFTKey: Encodable {
        let code: String; let numerics: String; let base: String; let spec: VendorModelSpec; let training: TrainingHyperparameters
        let otherModelsEpochs: Double?; let roleWeights: RoleWeights
    }
}

/// A RetainCore conversation as the tokenizer's chat messages.
public func chatMessages(_ conversation: Conversation) -> [ChatMessage] {
    RetainBackends.chatMessages(conversation.messages)
}
