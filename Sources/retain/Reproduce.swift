import ArgumentParser
import Foundation
import RetainEngine

/// The main job. Until the synthetic world and the forgetting pipeline exist, it runs the
/// engine's end-to-end demo (see `EngineDemo`), which exercises every engine and tokenizer path
/// the pipeline will use.
struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the main job on the built-in world.",
        discussion: """
            For now this is the engine demo: it builds a small synthetic chat dataset, trains a BPE \
            tokenizer and a small Llama model on it, saves and reloads a checkpoint, and evaluates \
            the reloaded model on a held-out split (exact-match generation, multiple choice by \
            log-likelihood, pre-query sampling). Deterministic in --seed for a given --threads.
            """)

    @Option(help: "Seed of every random choice (data, initialisation, batches, sampling).") var seed: UInt64 = 0
    @Option(help: "Threads for the engine's kernels (results depend on this count).") var threads = 2
    @Option(help: "Training steps.") var steps = 800
    @Option(help: "Directory for the checkpoint and tokenizer.") var out = "runs/demo"
    @Flag(help: "Print the summary as JSON (progress goes to stderr).") var json = false

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1 (got \(steps)).") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256 (got \(threads)).") }
        guard !out.isEmpty else { throw ValidationError("--out must not be empty.") }
    }

    func run() throws {
        let options = EngineDemo.Options(
            seed: seed, threads: threads, steps: steps, outDir: URL(fileURLWithPath: out),
            log: progressLog(json: json))
        let summary = try EngineDemo(options: options).run()
        if json {
            try printJSON(summary)
        } else {
            print(summary.table)
        }
    }
}
