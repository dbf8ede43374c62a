import Foundation

/// A Llama-architecture decoder whose parameters live in one flat buffer (see `ParameterLayout`).
/// One model is used from one thread at a time (it owns its activation workspace); the kernels
/// inside parallelise over `EngineThreads.count` threads.
///
/// Forward and backward follow llm.c: each layer is a `*Forward` / `*Backward` kernel pair over
/// raw pointers, and the activations the backward pass needs are kept in a `TrainingWorkspace`.
public final class LlamaModel: @unchecked Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let parameters: FloatBuffer
    /// Gradients, same layout as `parameters`; filled by `forwardBackward`.
    public let gradients: FloatBuffer
    let rope: RotaryTable
    private var workspace: TrainingWorkspace?

    /// A freshly initialised model: matrices ~ N(0, initStd), residual output projections scaled by
    /// 1/√(2L) (GPT-2), norm gains 1. Deterministic in `seed`.
    public convenience init(config: ModelConfig, seed: UInt64) throws {
        try self.init(config: config)
        var rng = SeededRandom(seed: seed)
        let residualScale = 1 / Float(2 * config.nLayers).squareRoot()
        for t in layout.tensors {
            let p = parameters.pointer + t.offset
            if t.isMatrix {
                let std = config.initStd * (t.name.hasSuffix("o_proj.weight") || t.name.hasSuffix("down_proj.weight") ? residualScale : 1)
                for i in 0..<t.count { p[i] = rng.nextGaussian() * std }
            } else {
                for i in 0..<t.count { p[i] = 1 }
            }
        }
    }

    /// A model with all parameters zero, to be filled by a checkpoint loader.
    public init(config: ModelConfig) throws {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        parameters = FloatBuffer(count: layout.totalCount)
        gradients = FloatBuffer(count: layout.totalCount)
        rope = RotaryTable(headDim: config.headDim, maxPositions: config.maxSeqLen, theta: config.ropeTheta)
    }

    public var parameterCount: Int { layout.totalCount }

    /// An independent model with the same config and a copy of the parameters.
    public func copy() throws -> LlamaModel {
        let m = try LlamaModel(config: config)
        m.parameters.copy(from: parameters)
        return m
    }

    /// FLOPs per trained token: 6·N_non-embedding + 12·L·T·C (the PaLM / nanoGPT estimate).
    public func flopsPerToken(seqLen: Int) -> Double {
        6 * Double(layout.nonEmbeddingCount) + 12 * Double(config.nLayers * seqLen * config.dModel)
    }

    // MARK: - Training forward / backward

    /// Forward pass only; returns the weighted mean cross-entropy. Logits are kept in the workspace.
    @discardableResult
    public func loss(_ batch: TrainingBatch) throws -> Float {
        try forwardLoss(batch, withGradient: false).loss
    }

    /// Forward and backward: overwrites `gradients` with ∂loss/∂parameters and returns the loss.
    @discardableResult
    public func forwardBackward(_ batch: TrainingBatch) throws -> Float {
        let (loss, ws) = try forwardLoss(batch, withGradient: true)
        backward(ws)
        return loss
    }

    /// Validates and loads the batch, runs the forward pass and the loss (and ∂loss/∂logits).
    private func forwardLoss(_ batch: TrainingBatch, withGradient: Bool) throws -> (loss: Float, ws: TrainingWorkspace) {
        try batch.validate(vocabSize: config.vocabSize, maxSeqLen: config.maxSeqLen)
        let ws = workspaceFor(batch)
        ws.load(batch)
        forward(ws)
        let loss = KernelProfiler.measure(.crossEntropy) {
            crossEntropy(dlogits: withGradient ? ws.dlogits : nil, logits: ws.logits, targets: ws.targets,
                         weights: ws.weights, rows: ws.rows, vocab: config.vocabSize)
        }
        return (loss, ws)
    }

    /// Logits [B·T, V] of the last `loss` / `forwardBackward` call.
    public func lastLogits() -> [Float] {
        guard let ws = workspace else { return [] }
        return Array(UnsafeBufferPointer(start: ws.logits, count: ws.rows * config.vocabSize))
    }

    private func workspaceFor(_ batch: TrainingBatch) -> TrainingWorkspace {
        if let ws = workspace, ws.B == batch.batchSize, ws.T == batch.seqLen { return ws }
        workspace = nil  // free the old one first
        let ws = TrainingWorkspace(config: config, B: batch.batchSize, T: batch.seqLen)
        workspace = ws
        return ws
    }

    private func forward(_ ws: TrainingWorkspace) {
        let c = config, R = ws.rows, C = c.dModel, F = c.ffnHidden
        let QKV = (c.nHeads + 2 * c.nKVHeads) * c.headDim
        let P = UnsafePointer(parameters.pointer)
        KernelProfiler.measure(.embedding) { embeddingForward(ws.residual(0), P + layout.embedding, ws.tokens, rows: R, dim: C) }
        for (l, blk) in layout.blocks.enumerated() {
            let a = ws.layer(l)
            let x = ws.residual(l)
            KernelProfiler.measure(.rmsnorm) { rmsnormForward(a.h1, a.rstd1, x, P + blk.attnNorm, rows: R, dim: C, eps: c.normEps) }
            KernelProfiler.measure(.gemm) { matmulForward(a.qkv, a.h1, P + blk.wqkv, rows: R, inDim: C, outDim: QKV) }
            KernelProfiler.measure(.rope) { rope.apply(a.qkv, rows: R, stride: QKV, heads: c.nHeads + c.nKVHeads, positions: ws.positions, inverse: false) }
            KernelProfiler.measure(.attention) { attentionForward(a.attOut, a.probs, a.qkv, ws.attention) }
            // mid = x + attOut · Woᵀ
            KernelProfiler.measure(.residual) { a.mid.update(from: x, count: R * C) }
            KernelProfiler.measure(.gemm) { matmulForward(a.mid, a.attOut, P + blk.wo, rows: R, inDim: C, outDim: C, accumulate: true) }
            KernelProfiler.measure(.rmsnorm) { rmsnormForward(a.h2, a.rstd2, a.mid, P + blk.mlpNorm, rows: R, dim: C, eps: c.normEps) }
            KernelProfiler.measure(.gemm) { matmulForward(a.gu, a.h2, P + blk.wGateUp, rows: R, inDim: C, outDim: 2 * F) }
            KernelProfiler.measure(.swiglu) { swigluForward(a.act, a.gu, rows: R, hidden: F) }
            let next = ws.residual(l + 1)
            KernelProfiler.measure(.residual) { next.update(from: a.mid, count: R * C) }
            KernelProfiler.measure(.gemm) { matmulForward(next, a.act, P + blk.wDown, rows: R, inDim: F, outDim: C, accumulate: true) }
        }
        KernelProfiler.measure(.rmsnorm) { rmsnormForward(ws.hFinal, ws.rstdFinal, ws.residual(c.nLayers), P + layout.finalNorm, rows: R, dim: C, eps: c.normEps) }
        KernelProfiler.measure(.gemm) { matmulForward(ws.logits, ws.hFinal, P + layout.lmHead, rows: R, inDim: C, outDim: c.vocabSize) }
    }

    private func backward(_ ws: TrainingWorkspace) {
        let c = config, R = ws.rows, C = c.dModel, F = c.ffnHidden
        let QKV = (c.nHeads + 2 * c.nKVHeads) * c.headDim
        let P = UnsafePointer(parameters.pointer)
        let G = gradients.pointer
        KernelProfiler.measure(.optimizer) { gradients.zero() }
        let dres = ws.dResidual
        // LM head and final norm.
        KernelProfiler.measure(.gemm) {
            matmulBackward(dx: ws.dH, dw: G + layout.lmHead, dy: ws.dlogits, x: ws.hFinal, w: P + layout.lmHead,
                           rows: R, inDim: C, outDim: c.vocabSize)
        }
        KernelProfiler.measure(.rmsnorm) {
            rmsnormBackward(dres, G + layout.finalNorm, ws.dH, ws.residual(c.nLayers), P + layout.finalNorm, ws.rstdFinal,
                            rows: R, dim: C, accumulate: false)
        }
        for l in stride(from: c.nLayers - 1, through: 0, by: -1) {
            let blk = layout.blocks[l], a = ws.layer(l)
            // MLP: next = mid + act · Wdᵀ
            KernelProfiler.measure(.gemm) { matmulBackward(dx: ws.dAct, dw: G + blk.wDown, dy: dres, x: a.act, w: P + blk.wDown, rows: R, inDim: F, outDim: C) }
            KernelProfiler.measure(.swiglu) { swigluBackward(ws.dGU, ws.dAct, a.gu, rows: R, hidden: F) }
            KernelProfiler.measure(.gemm) { matmulBackward(dx: ws.dH, dw: G + blk.wGateUp, dy: ws.dGU, x: a.h2, w: P + blk.wGateUp, rows: R, inDim: C, outDim: 2 * F) }
            KernelProfiler.measure(.rmsnorm) { rmsnormBackward(dres, G + blk.mlpNorm, ws.dH, a.mid, P + blk.mlpNorm, a.rstd2, rows: R, dim: C, accumulate: true) }
            // Attention: mid = x + attOut · Woᵀ
            KernelProfiler.measure(.gemm) { matmulBackward(dx: ws.dAttOut, dw: G + blk.wo, dy: dres, x: a.attOut, w: P + blk.wo, rows: R, inDim: C, outDim: C) }
            KernelProfiler.measure(.attention) { attentionBackward(ws.dQKV, ws.dAttOut, a.probs, a.qkv, ws.attention) }
            KernelProfiler.measure(.rope) { rope.apply(ws.dQKV, rows: R, stride: QKV, heads: c.nHeads + c.nKVHeads, positions: ws.positions, inverse: true) }
            KernelProfiler.measure(.gemm) { matmulBackward(dx: ws.dH, dw: G + blk.wqkv, dy: ws.dQKV, x: a.h1, w: P + blk.wqkv, rows: R, inDim: C, outDim: QKV) }
            KernelProfiler.measure(.rmsnorm) { rmsnormBackward(dres, G + blk.attnNorm, ws.dH, ws.residual(l), P + blk.attnNorm, a.rstd1, rows: R, dim: C, accumulate: true) }
        }
        KernelProfiler.measure(.embedding) { embeddingBackward(G + layout.embedding, dres, ws.tokens, rows: R, dim: C) }
    }
}

/// Activations of one [B, T] training step, allocated once per shape and reused.
final class TrainingWorkspace {
    struct Layer {
        let h1, rstd1, qkv, probs, attOut, mid, h2, rstd2, gu, act: UnsafeMutablePointer<Float>
    }

    let B: Int, T: Int, rows: Int
    let attention: AttentionShape
    let tokens: UnsafeMutablePointer<Int32>
    let targets: UnsafeMutablePointer<Int32>
    let positions: UnsafeMutablePointer<Int32>
    let weights: UnsafeMutablePointer<Float>
    private let storage: FloatBuffer
    private let residuals: UnsafeMutablePointer<Float>   // [L+1, R, C]
    private let layers: [Layer]
    private let C: Int
    let hFinal, rstdFinal, logits, dlogits: UnsafeMutablePointer<Float>
    let dResidual, dH, dAct, dGU, dAttOut, dQKV: UnsafeMutablePointer<Float>

    init(config c: ModelConfig, B: Int, T: Int) {
        self.B = B; self.T = T
        let R = B * T, C = c.dModel, F = c.ffnHidden, V = c.vocabSize
        let QKV = (c.nHeads + 2 * c.nKVHeads) * c.headDim
        rows = R; self.C = C
        attention = AttentionShape(B: B, T: T, H: c.nHeads, K: c.nKVHeads, D: c.headDim)
        let perLayer = R * C + R + R * QKV + attention.probsCount + R * C + R * C + R * C + R + R * 2 * F + R * F
        let total = (c.nLayers + 1) * R * C + c.nLayers * perLayer + R * C + R + 2 * R * V
            + R * C + R * C + R * F + R * 2 * F + R * C + R * QKV
        storage = FloatBuffer(count: total)
        var cursor = storage.pointer
        func take(_ n: Int) -> UnsafeMutablePointer<Float> { defer { cursor += n }; return cursor }
        residuals = take((c.nLayers + 1) * R * C)
        var layers: [Layer] = []
        for _ in 0..<c.nLayers {
            layers.append(Layer(h1: take(R * C), rstd1: take(R), qkv: take(R * QKV), probs: take(attention.probsCount),
                                attOut: take(R * C), mid: take(R * C), h2: take(R * C), rstd2: take(R),
                                gu: take(R * 2 * F), act: take(R * F)))
        }
        self.layers = layers
        hFinal = take(R * C); rstdFinal = take(R); logits = take(R * V); dlogits = take(R * V)
        dResidual = take(R * C); dH = take(R * C); dAct = take(R * F); dGU = take(R * 2 * F)
        dAttOut = take(R * C); dQKV = take(R * QKV)
        tokens = .allocate(capacity: R); targets = .allocate(capacity: R)
        positions = .allocate(capacity: R); weights = .allocate(capacity: R)
        for r in 0..<R { positions[r] = Int32(r % T) }
    }

    deinit {
        tokens.deallocate(); targets.deallocate(); positions.deallocate(); weights.deallocate()
    }

    func residual(_ l: Int) -> UnsafeMutablePointer<Float> { residuals + l * rows * C }
    func layer(_ l: Int) -> Layer { layers[l] }

    func load(_ batch: TrainingBatch) {
        batch.tokens.withUnsafeBufferPointer { tokens.update(from: $0.baseAddress!, count: rows) }
        batch.targets.withUnsafeBufferPointer { targets.update(from: $0.baseAddress!, count: rows) }
        batch.weights.withUnsafeBufferPointer { weights.update(from: $0.baseAddress!, count: rows) }
    }
}
