import ArgumentParser
import Foundation
import RetainEngine
import RetainOrchestrator
import RetainSpec
import RetainStore
import RetainVendor
import RetainWorld

/// `retain run <spec.yaml>`: runs an experiment spec into the store, skipping every stage run the
/// store already has, so an interrupted run resumes where it stopped.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment spec (YAML) into a SQLite store; stored stage runs are reused.")

    @Argument(help: "The experiment spec (see examples/*.yaml).") var spec: String
    @Option(help: "The SQLite store (default runs/<experiment>.sqlite).") var db: String?
    @Option(help: "Where fine-tuned checkpoints go (default: a 'models' folder beside the store).") var models: String?
    @Option(help: "Vendor model cache directory (default $RETAIN_CACHE or ~/.cache/retain).") var cache: String?
    @Flag(help: "Print the stage report as JSON at the end.") var json = false

    func run() throws {
        let experiment = try SpecParser.load(path: spec)
        let specText = (try? String(contentsOfFile: spec, encoding: .utf8)) ?? ""
        EngineThreads.set(experiment.threads)
        let dbPath = db ?? "runs/\(experiment.experiment).sqlite"
        let dbURL = URL(fileURLWithPath: dbPath)
        try FileManager.default.createDirectory(at: dbURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let modelsDirectory = models ?? dbURL.deletingLastPathComponent().appendingPathComponent("models").path
        let store = try ExperimentStore(path: dbPath)
        let log = progressLog(json: json)
        let environment = try ExperimentLoading.environment(experiment, cache: cache, log: log)
        let orchestrator = Orchestrator(spec: experiment, specText: specText, environment: environment, store: store,
                                        modelsDirectory: modelsDirectory, log: log)
        let start = Date()
        let reports = try orchestrator.run()
        let wall = Date().timeIntervalSince(start)
        if json {
            try printJSON(RunReport(experiment: experiment.experiment, database: dbPath, wallSeconds: wall, stages: reports))
            return
        }
        print(StageTimes.table(reports, wallSeconds: wall))
        print(SummaryTable.render(try store.summary(experiment: experiment.experiment)))
        print("store: \(dbPath)")
    }

    struct RunReport: Encodable {
        var experiment: String
        var database: String
        var wallSeconds: Double
        var stages: [StageReport]
    }
}

/// Per-stage-kind wall times of one invocation.
enum StageTimes {
    static func table(_ reports: [StageReport], wallSeconds: Double) -> String {
        var lines = ["stage        ran  reused  seconds"]
        var order: [String] = []
        var ran: [String: Int] = [:], reused: [String: Int] = [:], seconds: [String: Double] = [:]
        for r in reports {
            if !order.contains(r.kind) { order.append(r.kind) }
            if r.executed { ran[r.kind, default: 0] += 1; seconds[r.kind, default: 0] += r.wallSeconds } else { reused[r.kind, default: 0] += 1 }
        }
        for k in order {
            lines.append(k.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + String(format: " %4d  %6d  %7.1f", ran[k] ?? 0, reused[k] ?? 0, seconds[k] ?? 0))
        }
        lines.append(String(format: "total wall time %.1f s", wallSeconds))
        return lines.joined(separator: "\n")
    }
}

/// The `summary` view as a terminal table: one row per arm, mean accuracy over seeds per
/// benchmark and variant.
enum SummaryTable {
    static func render(_ rows: [SummaryRow]) -> String {
        let (keys, means) = CompareTable.means(rows)
        var arms: [String] = [], columns: [(benchmark: String, variant: String)] = []
        for k in keys {
            if !arms.contains(k.arm) { arms.append(k.arm) }
            if !columns.contains(where: { $0 == (k.benchmark, k.variant) }) { columns.append((k.benchmark, k.variant)) }
        }
        let width = max(12, (arms.map(\.count).max() ?? 0) + 2)
        var lines = ["arm".padding(toLength: width, withPad: " ", startingAt: 0) + columns.map { "\($0.benchmark) \($0.variant)".padding(toLength: 13, withPad: " ", startingAt: 0) }.joined()]
        for arm in arms {
            lines.append(arm.padding(toLength: width, withPad: " ", startingAt: 0) + columns.map { c in
                guard let (mean, n) = means[CompareTable.Key(arm: arm, benchmark: c.benchmark, variant: c.variant)] else {
                    return "-".padding(toLength: 13, withPad: " ", startingAt: 0)
                }
                return String(format: "%.3f (n=%d)", mean, n).padding(toLength: 13, withPad: " ", startingAt: 0)
            }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
