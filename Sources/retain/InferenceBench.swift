import ArgumentParser
import Foundation
import RetainBackends
import RetainEngine
import RetainVendor
import RetainTokenizer
import RetainWorld

/// `retain bench inference`: how batch size affects the inference paths an experiment spends its
/// time in (greedy generation of benchmark answers, multiple-choice log-likelihood), on the
/// world's instruct model. Sizes are interleaved within each repetition, so ratios compare like
/// with like on a noisy machine.
struct InferenceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inference",
        abstract: "Generation and log-likelihood throughput of the world's instruct model at several batch sizes.")

    @Option(help: "World size: quick, default or full.") var preset: WorldConfig.Preset = .quick
    @Option(help: "Threads for the engine.") var threads = 2
    @Option(help: "Repetitions (the median is reported).") var repeats = 3
    @Option(parsing: .upToNextOption, help: "Generation batch sizes.") var batches: [Int] = [16, 32, 64, 128]
    @Option(parsing: .upToNextOption, help: "Log-likelihood slot counts.") var slots: [Int] = [32, 64, 128, 256]
    @Option(help: "Vendor model cache directory.") var cache: String?
    @Flag(help: "Print JSON.") var json = false

    struct Row: Encodable {
        var path: String
        var size: Int
        var requests: Int
        var medianSeconds: Double
        var requestsPerSecond: Double
    }

    func run() throws {
        EngineThreads.set(threads)
        let world = try World(config: .preset(preset, seed: 1))
        let vendorCache = cache.map { ModelCache(root: URL(fileURLWithPath: $0, isDirectory: true)) } ?? ModelCache()
        let lm = try VendorPipeline(world: world, plan: .preset(preset), cache: vendorCache, log: progressLog(json: true)).instruct().lm
        let bench = world.benchmarks.general
        let genPrompts = try bench.generative.map { try lm.encode(.chat([ChatMessage(role: .user, content: $0.question)])) }
        let mcRequests = try bench.multipleChoice.map { item in
            RetainEngine.LoglikelihoodRequest(context: try lm.encode(.chat([ChatMessage(role: .user, content: item.question)])),
                                              continuations: item.choices.map { lm.tokenizer.encode($0).map(Int32.init) })
        }
        var times: [String: [Double]] = [:]
        for _ in 0..<repeats {
            for b in batches {
                let t0 = Clock.now()
                _ = try lm.model.generate(genPrompts.map { GenerationRequest(prompt: $0, maxNewTokens: 32, stopSequences: []) }, batchSize: b)
                times["generate|\(b)", default: []].append(Clock.now() - t0)
            }
            for s in slots {
                let t0 = Clock.now()
                _ = try lm.model.loglikelihood(mcRequests, maxSlots: s)
                times["loglikelihood|\(s)", default: []].append(Clock.now() - t0)
            }
        }
        let rows = batches.map { b in row("generate", b, genPrompts.count, times["generate|\(b)"]!) }
            + slots.map { s in row("loglikelihood", s, mcRequests.count, times["loglikelihood|\(s)"]!) }
        if json { try printJSON(rows); return }
        for r in rows {
            print(String(format: "%-14@ size %4d: %5d requests in %6.3f s (median of %d) = %7.1f requests/s",
                         r.path, r.size, r.requests, r.medianSeconds, repeats, r.requestsPerSecond))
        }
    }

    func row(_ path: String, _ size: Int, _ n: Int, _ t: [Double]) -> Row {
        let m = median(t)
        return Row(path: path, size: size, requests: n, medianSeconds: m, requestsPerSecond: Double(n) / m)
    }
}

