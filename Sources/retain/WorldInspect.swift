import ArgumentParser
import Foundation
import RetainEngine
import RetainVendor
import RetainWorld

/// `retain world inspect`: builds (or loads) the world's vendor models and reports what the
/// experiment needs to be meaningful: the instruct model well above chance, low on the domain,
/// able to write valid instructions from the bare user-turn prefix, and public sets at measured
/// distances from the original mix.
struct WorldInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Train or load the vendor models and report the instruct model's accuracy and instruction validity.")

    @Option(help: "World size: quick, default or full.") var preset: WorldConfig.Preset = .default
    @Option(help: "Root seed of the world.") var seed: UInt64 = 1
    @Option(help: "Threads for the engine.") var threads = 2
    @Option(help: "Model cache directory (default $RETAIN_CACHE or ~/.cache/retain).") var cache: String?
    @Option(help: "Instructions to sample from the user-turn prefix.") var samples = 200
    @Option(help: "A vendor plan JSON file overriding the preset's (see --print-plan).") var vendorPlan: String?
    @Flag(help: "Print the preset's vendor plan as JSON and exit.") var printPlan = false
    @Flag(help: "Print JSON instead of a table (progress goes to stderr).") var json = false

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256 (got \(threads))") }
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1 (got \(samples))") }
    }

    struct Report: Codable {
        var world: String
        var preset: String
        var seed: UInt64
        var vendorSeconds: Double
        var modelsCached: [String: Bool]
        var general: BenchmarkScore
        var domain: BenchmarkScore
        var instructions: WorldEvaluator.InstructionSample
        var publicSetDistances: [String: Double]
    }

    func loadPlan() throws -> VendorPlan {
        guard let path = vendorPlan else { return .preset(preset) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CLIError("\(path): cannot read the vendor plan (\(error.localizedDescription))")
        }
        do {
            let plan = try JSONDecoder().decode(VendorPlan.self, from: data)
            try plan.model.validate()
            guard !plan.models.isEmpty else { throw CLIError("\(path): models: expected at least one model (the instruct model first)") }
            return plan
        } catch let e as DecodingError {
            throw CLIError("\(path): \(describe(e)); print a valid plan with --print-plan")
        } catch let e as ModelConfigError {
            throw CLIError("\(path): model: \(e)")
        }
    }

    func run() throws {
        if printPlan {
            try printJSON(VendorPlan.preset(preset))
            return
        }
        EngineThreads.set(threads)
        let log = progressLog(json: json)
        let world = try World(config: .preset(preset, seed: seed))
        let vendorCache = cache.map { ModelCache(root: URL(fileURLWithPath: $0, isDirectory: true)) } ?? ModelCache()
        let pipeline = VendorPipeline(world: world, plan: try loadPlan(), cache: vendorCache, log: log)
        let t0 = Clock.now()
        let models = try pipeline.releasedModels()
        let vendorSeconds = Clock.now() - t0
        let instruct = models[0].lm
        log("evaluating the instruct model")
        let general = try WorldEvaluator.score(instruct, on: world.benchmarks.general, in: world)
        let domain = try WorldEvaluator.score(instruct, on: world.benchmarks.domain, in: world)
        let sample = try WorldEvaluator.sampleInstructions(instruct, in: world, count: samples, seed: seed)
        var distances: [String: Double] = [:]
        for p in world.publicSets { distances[p.name] = world.familyMixDistance(p.conversations) }
        distances["reconstructed (sampled)"] = World.totalVariationDistance(sample.familyMix, world.familyMix(world.originalSFT))
        let report = Report(world: world.config.contentHash, preset: preset.rawValue, seed: seed, vendorSeconds: vendorSeconds,
                            modelsCached: Dictionary(uniqueKeysWithValues: models.map { ($0.spec.name, $0.cached) }),
                            general: general, domain: domain, instructions: sample, publicSetDistances: distances)
        if json {
            try printJSON(report)
        } else {
            print(table(report))
        }
    }

    func table(_ r: Report) -> String {
        var lines = ["", "World \(r.world) (preset \(r.preset), seed \(r.seed)); vendor models in \(String(format: "%.1f", r.vendorSeconds)) s"
                     + " (" + r.modelsCached.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value ? "cached" : "trained")" }.joined(separator: ", ") + ")"]
        for s in [r.general, r.domain] {
            lines.append(String(format: "  %-8@ n=%d  MC acc %.3f (chance %.3f)   gen acc %.3f (strict %.3f)",
                                s.kind.rawValue as NSString, s.n, s.mcAccuracy, s.mcChance, s.genAccuracy, s.genStrictAccuracy))
            let fam = s.families.sorted { $0.key < $1.key }.map { String(format: "%@ %.2f/%.2f", $0.key, $0.value.mcAccuracy, $0.value.genAccuracy) }
            lines.append("           per family (MC/gen): " + fam.joined(separator: ", "))
        }
        lines.append(String(format: "  instructions from the user-turn prefix: %.1f%% valid (%d sampled)", r.instructions.validShare * 100, samples))
        for e in r.instructions.examples { lines.append("     \(e.debugDescription)") }
        lines.append("  family-mix distance (TV) from the original set: "
                     + r.publicSetDistances.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
