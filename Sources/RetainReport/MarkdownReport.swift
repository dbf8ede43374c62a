import Foundation
import RetainAnalysis
import RetainCore

/// The report as GitHub-flavoured Markdown, for pull requests and CI logs. Deterministic: the
/// same analysis gives the same bytes (fixed number formats, no dates).
public enum MarkdownReport {
    /// Renders the whole report: header, main table with legend and noise floor, the paired key
    /// comparisons and the findings verdict, other variants, per-family forgetting, fidelity,
    /// format drift, sweep, stage times, minimum detectable effect and, when `paper` is given,
    /// the paper-vs-reproduced table.
    public static func render(_ analysis: ExperimentAnalysis, paper: PaperBaseline?) -> String {
        let tables = ReportTables(analysis)
        var out = "# Retain report: \(escapeInline(analysis.experiment))\n\n"
        out += header(analysis).map { "- " + $0 + "\n" }.joined() + "\n"
        out += render(tables.scoreTable(.mc))
        if let key = tables.keyComparisons() { out += render(key) }
        if let findings = tables.findings() { out += render(findings) }
        var sections = tables.model.otherVariants.map(tables.scoreTable)
        sections.append(tables.familyForgetting())
        sections += [tables.fidelity(), tables.formatDrift(), tables.trainingCompute(), tables.sweep(), tables.stageTimes()].compactMap { $0 }
        sections.append(tables.minimumDetectableEffect())
        if let paper {
            let pair = tables.paper(paper)
            sections.append(pair.paper.joined(pair.reproduced, id: "paper", title: "Paper vs reproduced"))
        }
        for table in sections { out += render(table) }
        while out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    /// Only the main table (multiple choice) with its legend: what `retain reproduce` prints.
    public static func mainTable(_ analysis: ExperimentAnalysis) -> String {
        render(ReportTables(analysis).scoreTable(.mc))
    }

    /// The bullet lines of the header (experiment, preset, seeds, arms, benchmarks), escaped.
    static func header(_ a: ExperimentAnalysis) -> [String] {
        var lines = ["Experiment: \(escapeInline(a.experiment))"]
        if let preset = a.preset { lines.append("Preset: \(escapeInline(preset))") }
        lines.append("Seeds: " + (a.seeds.isEmpty ? "none" : a.seeds.map(String.init).joined(separator: ", ")))
        lines.append("Arms: " + a.arms.map(escapeInline).joined(separator: ", "))
        lines.append("Benchmarks: " + a.benchmarks.map { b in
            "\(escapeInline(b.name)) (\(b.kind.rawValue), \(b.items) items, chance \(Fmt.pts(b.chance)) %)"
        }.joined(separator: "; "))
        return lines
    }

    static func render(_ table: ReportTable) -> String {
        var out = "## \(escapeInline(table.title))\n\n"
        // Notes are the report's own prose (and the project's baseline file), never analysis text.
        for note in table.notes { out += note + "\n\n" }
        guard !table.rows.isEmpty else { return out + "_No data._\n\n" }
        out += "| " + table.headers.map(escapeCell).joined(separator: " | ") + " |\n"
        out += "|" + table.headers.indices.map { table.labels.contains($0) ? "---|" : "---:|" }.joined() + "\n"
        for row in table.rows { out += "| " + row.map(escapeCell).joined(separator: " | ") + " |\n" }
        return out + "\n"
    }

    /// A numbered list; items are escaped like prose.
    static func render(_ list: ReportList) -> String {
        var out = "## \(escapeInline(list.title))\n\n"
        for note in list.notes { out += note + "\n\n" }
        guard !list.items.isEmpty else { return out + "_No data._\n\n" }
        for (i, item) in list.items.enumerated() { out += "\(i + 1). " + escapeInline(item) + "\n" }
        return out + "\n"
    }

    /// Escapes text for a Markdown table cell: `\` and `|` are backslash-escaped, `&`, `<`, `>`
    /// become entities (no raw HTML reaches the renderer), and every line break becomes `<br>`.
    public static func escapeCell(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        var previousCR = false
        for scalar in text.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            switch scalar {
            case "\\": out += "\\\\"
            case "|": out += "\\|"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "<br>"
            case "\n": if !previousCR { out += "<br>" }
            case "\u{2028}", "\u{2029}", "\u{85}": out += "<br>"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escapes text for prose and headings: as `escapeCell` but line breaks become spaces.
    public static func escapeInline(_ text: String) -> String {
        escapeCell(text).replacingOccurrences(of: "<br>", with: " ")
    }
}
