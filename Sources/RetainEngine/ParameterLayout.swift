/// Where each tensor of the model lives inside the one flat parameter buffer.
///
/// Gradients and both AdamW moments use the same layout, so the optimizer is one loop.
/// Within a layer, q/k/v projections are adjacent (one `[(H+2K)·D, C]` matrix, one GEMM) and so
/// are gate/up (one `[2F, C]` matrix). Tensor names are Hugging Face Llama names, so checkpoints
/// read like any Llama safetensors file.
public struct ParameterLayout: Sendable {
    public struct Tensor: Sendable, Hashable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// Matrices get weight decay; norm gains do not.
        public var isMatrix: Bool { shape.count == 2 }
    }

    /// Offsets of one transformer block's tensors.
    public struct Block: Sendable {
        public let attnNorm: Int   // [C]
        public let wqkv: Int       // [(H+2K)·D, C]: q rows, then k rows, then v rows
        public let wo: Int         // [C, H·D]
        public let mlpNorm: Int    // [C]
        public let wGateUp: Int    // [2F, C]: gate rows, then up rows
        public let wDown: Int      // [C, F]
    }

    public let tensors: [Tensor]
    public let blocks: [Block]
    public let embedding: Int      // [V, C]
    public let finalNorm: Int      // [C]
    /// The LM head `[V, C]`; equals `embedding` when the head is tied.
    public let lmHead: Int
    public let totalCount: Int

    public init(_ c: ModelConfig) {
        var tensors: [Tensor] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let t = Tensor(name: name, shape: shape, offset: offset)
            tensors.append(t)
            offset += t.count
            return t.offset
        }
        let C = c.dModel, F = c.ffnHidden, D = c.headDim
        embedding = add("model.embed_tokens.weight", [c.vocabSize, C])
        var blocks: [Block] = []
        for i in 0..<c.nLayers {
            let p = "model.layers.\(i)."
            let attnNorm = add(p + "input_layernorm.weight", [C])
            let wq = add(p + "self_attn.q_proj.weight", [c.nHeads * D, C])
            _ = add(p + "self_attn.k_proj.weight", [c.nKVHeads * D, C])
            _ = add(p + "self_attn.v_proj.weight", [c.nKVHeads * D, C])
            let wo = add(p + "self_attn.o_proj.weight", [C, c.nHeads * D])
            let mlpNorm = add(p + "post_attention_layernorm.weight", [C])
            let wg = add(p + "mlp.gate_proj.weight", [F, C])
            _ = add(p + "mlp.up_proj.weight", [F, C])
            let wd = add(p + "mlp.down_proj.weight", [C, F])
            blocks.append(Block(attnNorm: attnNorm, wqkv: wq, wo: wo, mlpNorm: mlpNorm, wGateUp: wg, wDown: wd))
        }
        finalNorm = add("model.norm.weight", [C])
        lmHead = c.tiedEmbeddings ? embedding : add("lm_head.weight", [c.vocabSize, C])
        self.blocks = blocks
        self.tensors = tensors
        self.totalCount = offset
    }

    public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }

    /// Parameters outside the token embedding (the untied head counts), as used for FLOP estimates.
    public var nonEmbeddingCount: Int {
        tensors.filter { $0.name != "model.embed_tokens.weight" }.reduce(0) { $0 + $1.count }
    }
}
