import Foundation

/// Training-throughput benchmark of the engine at one configuration, with OpenBLAS sgemm measured
/// in the same run and at the same thread count, so MFU is a ratio of figures from one machine state.
public struct EngineBenchmark {
    public struct GemmShape: Codable, Sendable {
        public var name: String
        public var m: Int, n: Int, k: Int
        public var gflops: Double
    }

    public struct Result: Codable, Sendable {
        public var config: ModelConfig
        public var batch: Int
        public var seqLen: Int
        public var threads: Int
        /// The code running the engine's products (`GemmBackend.description`, e.g. "portable/avx2").
        public var gemm: String
        /// OpenBLAS sgemm at 2048³ (GFLOP/s, median), OpenBLAS threaded over `threads`: the MFU reference.
        public var sgemm_gflops: Double
        /// sgemm at the model's own forward GEMM shapes, split over the engine's threads on `gemm`.
        public var model_gemms: [GemmShape]
        public var train_tokens_per_s: Double
        public var median_step_s: Double
        public var step_seconds: [Double]
        public var flops_per_token: Double
        public var mfu: Double
        /// Share of profiled step time per kernel category (from a separate profiled pass).
        public var profile: [String: Double]?
        public var impl = "retain-swift"
    }

    public var config: ModelConfig
    public var batch: Int
    public var steps: Int
    public var warmup: Int

    public init(config: ModelConfig, batch: Int, steps: Int = 20, warmup: Int = 3) {
        self.config = config; self.batch = batch; self.steps = steps; self.warmup = warmup
    }

    public func run(profile: Bool) throws -> Result {
        let c = config, R = batch * c.maxSeqLen
        let qkv = (c.nHeads + 2 * c.nKVHeads) * c.headDim
        let shapes: [(String, Int, Int, Int)] = [
            ("qkv", R, qkv, c.dModel), ("o_proj", R, c.dModel, c.dModel), ("gate_up", R, 2 * c.ffnHidden, c.dModel),
            ("down", R, c.dModel, c.ffnHidden), ("lm_head", R, c.vocabSize, c.dModel),
        ]
        let gemms = shapes.map {
            GemmShape(name: $0.0, m: $0.1, n: $0.2, k: $0.3, gflops: measureSgemmGFLOPS(m: $0.1, n: $0.2, k: $0.3, engineSplit: true))
        }
        let big = measureSgemmGFLOPS(m: 2048, n: 2048, k: 2048)

        let model = try LlamaModel(config: c, seed: 1)
        let opt = AdamW(model: model)
        var rng = SeededRandom(seed: 2)
        let tokens = (0..<R).map { _ in Int32(rng.next() % UInt64(c.vocabSize)) }
        let targets = (0..<R).map { _ in Int32(rng.next() % UInt64(c.vocabSize)) }
        let b = try TrainingBatch(batchSize: batch, seqLen: c.maxSeqLen, tokens: tokens, targets: targets)
        func step() throws {
            try model.forwardBackward(b)
            opt.update(model, lr: 3e-4)
        }
        for _ in 0..<warmup { try step() }
        var times: [Double] = []
        for _ in 0..<steps {
            let t0 = Clock.now()
            try step()
            times.append(Clock.now() - t0)
        }
        var shares: [String: Double]? = nil
        if profile {
            KernelProfiler.reset()
            KernelProfiler.enabled = true
            let t0 = Clock.now()
            for _ in 0..<max(3, steps / 4) { try step() }
            let total = Clock.now() - t0
            KernelProfiler.enabled = false
            var s: [String: Double] = [:]
            var accounted = 0.0
            for (cat, secs) in KernelProfiler.seconds { s[cat.rawValue] = secs / total; accounted += secs }
            s["other"] = max(0, 1 - accounted / total)
            shares = s
        }
        let med = median(times)
        let tps = Double(R) / med
        let fpt = model.flopsPerToken(seqLen: c.maxSeqLen)
        return Result(config: c, batch: batch, seqLen: c.maxSeqLen, threads: EngineThreads.count,
                      gemm: GemmBackend.description, sgemm_gflops: big,
                      model_gemms: gemms, train_tokens_per_s: tps, median_step_s: med, step_seconds: times,
                      flops_per_token: fpt, mfu: tps * fpt / (big * 1e9), profile: shares)
    }
}
