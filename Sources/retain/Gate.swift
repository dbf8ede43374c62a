import ArgumentParser
import Foundation
import RetainAnalysis
import RetainGate

/// `retain gate`: checks a stored experiment against forgetting budgets. Exit codes: 0 every
/// budget holds, 1 a budget fails (printed with its margin), 2 a usage or data error.
struct Gate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Check an experiment against forgetting budgets (exit 0 pass, 1 fail, 2 usage or data error).")

    @Option(help: "The SQLite store.") var db: String
    @Option(help: "The budget file (YAML; see baselines/example-budget.yaml).") var budget: String?
    @Option(help: "Experiment name (default: the budget's, else the store's only experiment).") var experiment: String?
    @Option(help: "Write the experiment's results (mean accuracies and per-item outcomes, format 2) as pinned results to this JSON file and exit.") var pin: String?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        do {
            try check()
        } catch let failed as GateFailed {
            throw ExitCode(failed.code)
        } catch {
            FileHandle.standardError.write(Data("retain gate: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    struct GateFailed: Error { var code: Int32 }

    func check() throws {
        let store = try ExperimentLoading.openExisting(db)
        // The per-item records the analysis pairs: pinned by --pin, checked by a format-2 pinned rule.
        var items: [ItemOutcomeRecord] = []
        if let pin {
            let name = try ExperimentLoading.experimentName(store, experiment)
            let analysis = try ExperimentLoading.analysis(store, experiment: name, log: progressLog(json: true)) { items.append($0) }
            let pinned = try PinnedResults(from: analysis, items: items)
            try emit(String(decoding: try pinned.encoded(), as: UTF8.self), to: pin)
            print("pinned \(name) to \(pin) (format \(pinned.format): \(pinned.entries.count) mean accuracies, \(pinned.records.count) per-item records)")
            return
        }
        guard let budget else { throw CLIError("give --budget FILE.yaml (or --pin FILE.json)") }
        let file = try BudgetParser.load(path: budget)
        let name = try ExperimentLoading.experimentName(store, experiment ?? file.experiment)
        let analysis = try ExperimentLoading.analysis(store, experiment: name, log: progressLog(json: true)) { items.append($0) }
        let budgetDirectory = URL(fileURLWithPath: budget).deletingLastPathComponent()
        let result = try RetainGate.Gate.evaluate(file, analysis: analysis, items: items) { path in
            // Pinned files are found relative to the working directory, else beside the budget.
            let candidates = [path, budgetDirectory.appendingPathComponent(path).path]
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw CLIError("pinned results \(path): no such file (looked in . and \(budgetDirectory.path))")
            }
            return try PinnedResults.load(path: found)
        }
        if json { try printJSON(result) } else { print(result.text) }
        if result.exitCode != 0 { throw GateFailed(code: result.exitCode) }
    }
}
