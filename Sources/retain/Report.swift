import ArgumentParser
import Foundation
import RetainAnalysis
import RetainReport
import RetainStore

/// `retain report`: renders a stored experiment's analysis as Markdown or HTML.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Render a stored experiment as a Markdown or self-contained HTML report.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case md, html, json }

    @Option(help: "The SQLite store.") var db: String
    @Option(help: "Experiment name (default: the store's only experiment).") var experiment: String?
    @Option(help: "md, html or json.") var format: Format = .md
    @Option(help: "Output file (default: stdout).") var out: String?
    @Option(help: "The paper's reported numbers (JSON).") var paper = "baselines/paper-2506.09428.json"

    func run() throws {
        let store = try ExperimentLoading.openExisting(db)
        let name = try ExperimentLoading.experimentName(store, experiment)
        let analysis = try ExperimentLoading.analysis(store, experiment: name, log: progressLog(json: true))
        let baseline = try PaperBaselineFile.load(paper)
        let text: String
        switch format {
        case .md: text = MarkdownReport.render(analysis, paper: baseline)
        case .html: text = HTMLReport.render(analysis, paper: baseline)
        case .json: text = try jsonString(analysis)
        }
        try emit(text, to: out)
    }
}

/// `retain compare`: two experiments side by side, arm by arm.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compare two stored experiments arm by arm (mean accuracy over seeds).")

    @Option(help: "The SQLite store of the first experiment.") var db: String
    @Option(help: "The store of the second experiment (default: the same store).") var dbB: String?
    @Argument(help: "First experiment name.") var a: String
    @Argument(help: "Second experiment name.") var b: String

    func run() throws {
        let storeA = try ExperimentLoading.openExisting(db)
        let storeB = try dbB.map(ExperimentLoading.openExisting) ?? storeA
        let rowsA = try storeA.summary(experiment: try ExperimentLoading.experimentName(storeA, a))
        let rowsB = try storeB.summary(experiment: try ExperimentLoading.experimentName(storeB, b))
        print(CompareTable.render(a: a, rowsA, b: b, rowsB))
    }
}

enum CompareTable {
    struct Key: Hashable, Comparable {
        var arm: String, benchmark: String, variant: String
        static func < (l: Key, r: Key) -> Bool { (l.arm, l.benchmark, l.variant) < (r.arm, r.benchmark, r.variant) }
    }

    static func means(_ rows: [SummaryRow]) -> (order: [Key], values: [Key: (Double, Int)]) {
        var order: [Key] = [], sums: [Key: (Double, Int)] = [:]
        for r in rows {
            let k = Key(arm: r.arm, benchmark: r.benchmark, variant: r.variant.rawValue)
            if sums[k] == nil { order.append(k) }
            let (s, n) = sums[k] ?? (0, 0)
            sums[k] = (s + r.accuracy, n + 1)
        }
        return (order, sums.mapValues { ($0.0 / Double($0.1), $0.1) })
    }

    static func render(a: String, _ rowsA: [SummaryRow], b: String, _ rowsB: [SummaryRow]) -> String {
        let (orderA, ma) = means(rowsA), (orderB, mb) = means(rowsB)
        let keys = orderA + orderB.filter { ma[$0] == nil }
        var lines = ["| arm | benchmark | variant | \(a) | \(b) | Δ (pts) |", "|---|---|---|---|---|---|"]
        for k in keys {
            let va = ma[k].map { String(format: "%.1f (%d seeds)", 100 * $0.0, $0.1) } ?? "–"
            let vb = mb[k].map { String(format: "%.1f (%d seeds)", 100 * $0.0, $0.1) } ?? "–"
            let d = (ma[k]?.0).flatMap { x in (mb[k]?.0).map { String(format: "%+.1f", 100 * ($0 - x)) } } ?? "–"
            lines.append("| \(k.arm) | \(k.benchmark) | \(k.variant) | \(va) | \(vb) | \(d) |")
        }
        return lines.joined(separator: "\n")
    }
}

/// `retain export`: the summary or every per-item result, as CSV or JSON.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export the summary or the per-item results of an experiment as CSV or JSON.")

    enum Table: String, ExpressibleByArgument, CaseIterable { case summary, items }
    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

    @Option(help: "The SQLite store.") var db: String
    @Option(help: "Experiment name (default: the store's only experiment).") var experiment: String?
    @Option(help: "summary or items.") var table: Table = .summary
    @Option(help: "csv or json.") var format: Format = .csv
    @Option(help: "Output file (default: stdout).") var out: String?

    struct ItemRow: Encodable {
        var arm: String, seed: UInt64, benchmark: String, kind: String, variant: String, itemID: String, family: String
        var correct: Bool, correctNorm: Bool?, extracted: String?, output: String
    }

    func run() throws {
        let store = try ExperimentLoading.openExisting(db)
        let name = try ExperimentLoading.experimentName(store, experiment)
        var header: [String] = [], rows: [[String]] = []
        let text: String
        switch table {
        case .summary:
            let summary = try store.summary(experiment: name)
            header = ["experiment", "arm", "seed", "benchmark", "kind", "variant", "n", "accuracy", "n_norm", "accuracy_norm"]
            rows = summary.map { [$0.experiment, $0.arm, String($0.seed), $0.benchmark, $0.kind.rawValue, $0.variant.rawValue, String($0.n),
                                  String($0.accuracy), String($0.nNorm), $0.accuracyNorm.map { String($0) } ?? ""] }
            text = format == .json ? try jsonString(summary.map(SummaryJSON.init)) : CSV.render(header: header, rows: rows)
        case .items:
            guard let exp = try store.experiment(named: name) else { throw CLIError("no experiment \(name)") }
            var families: [String: String] = [:], loaded = Set<String>()
            var items: [ItemRow] = []
            for link in try store.armResults(experimentID: exp.id) {
                if loaded.insert(link.benchmark).inserted {
                    for i in try store.benchmarkItems(benchmark: link.benchmark) { families["\(i.benchmark)|\(i.itemID)"] = i.family }
                }
                for p in try store.predictions(stage: link.evalHash) where p.benchmark == link.benchmark {
                    items.append(ItemRow(arm: link.arm, seed: link.seed, benchmark: p.benchmark, kind: link.kind.rawValue, variant: p.variant.rawValue,
                                         itemID: p.itemID, family: families["\(p.benchmark)|\(p.itemID)"] ?? "", correct: p.correct,
                                         correctNorm: p.correctNorm, extracted: p.extracted, output: p.outputJSON))
                }
            }
            header = ["arm", "seed", "benchmark", "kind", "variant", "item_id", "family", "correct", "correct_norm", "extracted", "output_json"]
            rows = items.map { [$0.arm, String($0.seed), $0.benchmark, $0.kind, $0.variant, $0.itemID, $0.family, $0.correct ? "1" : "0",
                                $0.correctNorm.map { $0 ? "1" : "0" } ?? "", $0.extracted ?? "", $0.output] }
            text = format == .json ? try jsonString(items) : CSV.render(header: header, rows: rows)
        }
        try emit(text, to: out)
    }

    struct SummaryJSON: Encodable {
        var experiment: String, arm: String, seed: UInt64, benchmark: String, kind: String, variant: String
        var n: Int, accuracy: Double, nNorm: Int, accuracyNorm: Double?
        init(_ r: SummaryRow) {
            experiment = r.experiment; arm = r.arm; seed = r.seed; benchmark = r.benchmark; kind = r.kind.rawValue
            variant = r.variant.rawValue; n = r.n; accuracy = r.accuracy; nNorm = r.nNorm; accuracyNorm = r.accuracyNorm
        }
    }
}

/// RFC 4180 CSV. Model text is untrusted: a cell starting with = + - @ (a spreadsheet formula)
/// gets a leading apostrophe, so opening the file never runs it.
enum CSV {
    static func cell(_ s: String) -> String {
        var v = s
        if let f = v.first, "=+-@\t\r".contains(f), Double(v) == nil { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }
    static func render(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}

func jsonString<T: Encodable>(_ value: T) throws -> String {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try enc.encode(value), as: UTF8.self)
}

/// Writes to a file (atomically) or stdout.
func emit(_ text: String, to path: String?) throws {
    guard let path else { print(text, terminator: text.hasSuffix("\n") ? "" : "\n"); return }
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        throw CLIError("\(path): cannot write (\(error.localizedDescription))")
    }
}
