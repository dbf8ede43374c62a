import Foundation
import RetainAnalysis

/// The numbers arXiv 2506.09428 reports, as stored in `baselines/paper-2506.09428.json`, with
/// where they come from. Scores are points (percentages), not fractions. The paper reports no
/// variance, so there is nothing to put beside them but the single number.
public struct PaperBaseline: Codable, Hashable, Sendable {
    /// One setting of the paper's results table (or of its ablation).
    public struct Row: Codable, Hashable, Sendable {
        /// A stable identifier ("instruct", "best-public", "ablation-one-model-one-response", ...).
        public var id: String
        /// The setting as the paper describes it.
        public var setting: String
        /// The built-in world arm it corresponds to: an arm name, or one of the placeholders
        /// `PaperBaseline.bestPublicArm` / `worstPublicArm` resolved from the analysis.
        public var arm: String
        /// The public SFT set of a public-mix row, as named in the paper.
        public var publicSet: String?
        /// Per-benchmark scores in points, keyed by the names in `benchmarks` (empty for the
        /// ablation rows, which report only the average).
        public var scores: [String: Double]
        /// The general average in points.
        public var average: Double

        public init(id: String, setting: String, arm: String, publicSet: String? = nil, scores: [String: Double], average: Double) {
            self.id = id; self.setting = setting; self.arm = arm; self.publicSet = publicSet; self.scores = scores; self.average = average
        }
    }

    /// Citation of the paper.
    public var paper: String
    /// Where the numbers were taken from.
    public var source: String
    /// Caveats: secondary sources, unverified against the PDF, no variance reported.
    public var note: String
    /// The model the paper fine-tunes ("Llama-3-70B-Instruct").
    public var baseModel: String
    /// The paper's domain data ("medical").
    public var domain: String
    /// Per-benchmark columns of `rows[].scores`, in display order.
    public var benchmarks: [String]
    /// What the paper's "Average" is taken over.
    public var averageOver: String
    /// Whether the paper reports any variance or interval (it does not).
    public var varianceReported: Bool
    public var rows: [Row]

    public init(paper: String, source: String, note: String, baseModel: String, domain: String, benchmarks: [String],
                averageOver: String, varianceReported: Bool, rows: [Row]) {
        self.paper = paper; self.source = source; self.note = note; self.baseModel = baseModel; self.domain = domain
        self.benchmarks = benchmarks; self.averageOver = averageOver; self.varianceReported = varianceReported; self.rows = rows
    }

    /// Placeholder arm of the paper's best public set: the public-mix arm with the highest
    /// general-average Δ (mc) in the analysis.
    public static let bestPublicArm = "public-mix:<best>"
    /// Placeholder arm of the paper's worst public set: the public-mix arm with the lowest
    /// general-average Δ (mc) in the analysis.
    public static let worstPublicArm = "public-mix:<worst>"
    /// The arm spellings a row may use (placeholders included).
    public static let knownArms: Set<String> = [
        "instruct", bestPublicArm, worstPublicArm, "reconstructed-mix", "domain-only", "oracle-replay",
        "one-model-one-response", "one-model-three-self-judged",
    ]

    /// Decodes the JSON form (`baselines/paper-2506.09428.json`).
    public static func decode(_ data: Data) throws -> PaperBaseline {
        try JSONDecoder().decode(PaperBaseline.self, from: data)
    }

    /// The row whose arm is "instruct": the reference for the paper's Δs.
    public var instructRow: Row? { rows.first { $0.arm == "instruct" } }

    /// The paper's Δ of a row against its instruct row, in points (nil for the instruct row).
    public func delta(_ row: Row) -> Double? {
        guard row.arm != "instruct", let reference = instructRow else { return nil }
        return row.average - reference.average
    }

    /// The analysis arm a row corresponds to, or nil when the analysis did not run it. The
    /// best/worst public placeholders pick among the analysis's public-mix arms by general-average
    /// Δ (mc); with one public-mix arm both resolve to it.
    public func resolvedArm(_ row: Row, in analysis: ExperimentAnalysis) -> String? {
        switch row.arm {
        case Self.bestPublicArm: return ReportModel(analysis).publicExtremes()?.best
        case Self.worstPublicArm: return ReportModel(analysis).publicExtremes()?.worst
        default: return analysis.arms.contains(row.arm) ? row.arm : nil
        }
    }
}
