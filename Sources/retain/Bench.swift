import ArgumentParser
import Foundation
import RetainEngine

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Performance benchmarks (medians and ratios measured in one run).",
        subcommands: [EngineBench.self, InferenceBench.self, ReproduceBench.self])
}

struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Training throughput and MFU at the two reference configs (d_model 128 and 256).")

    @Option(help: "Threads for the engine's kernels and for the OpenBLAS reference sgemm.") var threads = 2
    @Option(help: "Timed training steps per config.") var steps = 20
    @Option(help: "Untimed warm-up steps per config.") var warmup = 3
    @Option(help: "Only run the config with this d_model (128 or 256).") var dModel: Int?
    @Option(help: "Key/value heads (grouped-query attention; default: as many as the 8 query heads).") var kvHeads: Int?
    @Option(help: "Vocabulary size (default 1024; the quick world's is 768).") var vocab = 1024
    @Flag(help: "Also profile where step time goes, by kernel category.") var profile = false
    @Option(help: "Code for the engine's products: portable (machine-independent bits), onednn or openblas (default: $RETAIN_GEMM, else portable).") var gemm: String?
    @Flag(help: "Print a JSON array instead of a table.") var json = false

    func validate() throws {
        if let gemm, GemmBackend(rawValue: gemm) == nil {
            throw ValidationError("--gemm must be one of \(GemmBackend.allCases.map(\.rawValue).joined(separator: ", ")) (got \(gemm))")
        }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256 (got \(threads))") }
        if let kvHeads, !(kvHeads >= 1 && 8 % kvHeads == 0) { throw ValidationError("--kv-heads must divide the 8 query heads (got \(kvHeads))") }
        guard (16...65_536).contains(vocab) else { throw ValidationError("--vocab must be in 16...65536 (got \(vocab))") }
        guard steps >= 1, warmup >= 0 else { throw ValidationError("--steps must be >= 1 and --warmup >= 0") }
    }

    func run() throws {
        if let gemm, let backend = GemmBackend(rawValue: gemm) { GemmBackend.current = backend }
        EngineThreads.set(threads)
        let configs = [
            ModelConfig(vocabSize: vocab, dModel: 128, nLayers: 4, nHeads: 8, nKVHeads: kvHeads ?? 8, ffnHidden: 384, maxSeqLen: 128),
            ModelConfig(vocabSize: vocab, dModel: 256, nLayers: 4, nHeads: 8, nKVHeads: kvHeads ?? 8, ffnHidden: 704, maxSeqLen: 128),
        ].filter { dModel == nil || $0.dModel == dModel }
        var results: [EngineBenchmark.Result] = []
        for c in configs {
            let r = try EngineBenchmark(config: c, batch: 16, steps: steps, warmup: warmup).run(profile: profile)
            results.append(r)
            if !json {
                print(String(format: "d_model %4d: %8.0f tokens/s  step %.3f s  MFU %.3f  (OpenBLAS sgemm 2048³ %.1f GFLOP/s, %d threads, products on %@)",
                             c.dModel, r.train_tokens_per_s, r.median_step_s, r.mfu, r.sgemm_gflops, r.threads, r.gemm as NSString))
                for g in r.model_gemms { print(String(format: "    sgemm %-8@ %5d×%4d×%4d  %6.1f GFLOP/s", g.name as NSString, g.m, g.n, g.k, g.gflops)) }
                if let p = r.profile {
                    print("    profile: " + p.sorted { $0.value > $1.value }.map { String(format: "%@ %.1f%%", $0.key, $0.value * 100) }.joined(separator: ", "))
                }
            }
        }
        if json {
            try printJSON(results)
        }
    }
}
