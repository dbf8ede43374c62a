import ArgumentParser
import Foundation
import RetainAnalysis
import RetainEngine
import RetainReport
import RetainSpec

/// The speed targets of `retain reproduce` (quick ≤ 2 min, default ≤ 15 min, cold on two cores,
/// vendor models included), measured as they are defined: each repetition builds everything
/// from scratch in a fresh temporary cache and store, in this process.
struct ReproduceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Cold wall time of `retain reproduce` (fresh model cache and store each time), with the time per stage kind.")

    @Option(help: "World size: quick, default or full.") var preset: WorldPreset = .quick
    @Option(help: "Cold runs (the median is reported).") var repeats = 3
    @Option(help: "Directory for the temporary caches and stores (removed after each run).") var scratch = NSTemporaryDirectory()
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...20).contains(repeats) else { throw ValidationError("--repeats must be in 1...20 (got \(repeats))") }
    }

    struct Run: Codable {
        var wallSeconds: Double
        /// Wall time of the stored stages, by kind; the rest of the wall time is the vendor models,
        /// the world and the analysis.
        var stageSeconds: [String: Double]
        var vendorAndAnalysisSeconds: Double
        var reportSeconds: Double
    }

    struct Output: Codable {
        var preset: String
        var threads: Int
        var targetSeconds: Double
        var runs: [Run]
        var medianWallSeconds: Double
        var withinTarget: Bool
    }

    func run() throws {
        let spec = ReproduceSpec.make(preset: preset, seeds: nil)
        let log = progressLog(json: true)   // progress to stderr; the results go to stdout
        var runs: [Run] = []
        for r in 0..<repeats {
            let dir = URL(fileURLWithPath: scratch).appendingPathComponent("retain-bench-\(ProcessInfo.processInfo.processIdentifier)-\(r)")
            try? FileManager.default.removeItem(at: dir)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let (analysis, wall) = try Reproduce.runExperiment(spec, preset: preset, db: dir.appendingPathComponent("bench.sqlite").path,
                                                               cache: dir.appendingPathComponent("cache").path, log: { _ in })
            let renderStart = Date()
            _ = MarkdownReport.render(analysis, paper: nil)
            _ = HTMLReport.render(analysis, paper: nil)
            let report = Date().timeIntervalSince(renderStart)
            var stages: [String: Double] = [:]
            for t in analysis.stageTimes { stages[t.kind, default: 0] += t.wallSeconds }
            let run = Run(wallSeconds: wall, stageSeconds: stages,
                          vendorAndAnalysisSeconds: wall - stages.values.reduce(0, +), reportSeconds: report)
            runs.append(run)
            log(String(format: "run %d/%d: %.1f s (stages %.1f s, vendor models + world + analysis %.1f s)",
                       r + 1, repeats, wall, stages.values.reduce(0, +), run.vendorAndAnalysisSeconds))
        }
        let median = RetainEngine.median(runs.map(\.wallSeconds))
        let target: Double = preset == .quick ? 120 : preset == .default ? 900 : .infinity
        let out = Output(preset: preset.rawValue, threads: spec.threads, targetSeconds: target, runs: runs,
                         medianWallSeconds: median, withinTarget: median <= target)
        if json {
            try printJSON(out)
        } else {
            print(String(format: "reproduce %@ cold, %d runs on %d threads: median %.1f s (runs %@); target %.0f s: %@",
                         preset.rawValue, repeats, spec.threads, median,
                         runs.map { String(format: "%.1f", $0.wallSeconds) }.joined(separator: ", "), target,
                         median <= target ? "met" : "missed"))
        }
    }
}
