import Foundation
import RetainAnalysis
import RetainCore
import RetainYAML

/// Mean accuracies of a reference run, written as JSON by `retain gate --pin` and checked by a
/// budget's `pinned` rule. Accuracies are fractions in [0, 1] (as in the analysis' JSON), not
/// points.
///
///     {
///       "format": 1,
///       "experiment": "quick-paper-table",
///       "preset": "quick",
///       "seeds": [1, 2],
///       "createdBy": "retain gate --pin",
///       "entries": [
///         {"arm": "instruct", "benchmark": "general", "variant": "mc", "meanAccuracy": 0.4674, "seeds": 1},
///         {"arm": "reconstructed-mix", "benchmark": "general", "variant": "mc", "meanAccuracy": 0.4612, "sd": 0.004, "seeds": 2}
///       ]
///     }
public struct PinnedResults: Codable, Hashable, Sendable {
    /// The schema version this code writes and reads.
    public static let currentFormat = 1

    /// Schema version (1).
    public var format: Int
    /// The experiment the results were pinned from.
    public var experiment: String
    /// Its built-in world preset, when it ran on one.
    public var preset: String?
    /// Its training seeds.
    public var seeds: [UInt64]
    /// A free-form note on who or what wrote the file (command, date, commit).
    public var createdBy: String
    /// One entry per (arm, benchmark, variant), sorted by arm (analysis order), benchmark, variant.
    public var entries: [Entry]

    /// One pinned mean accuracy.
    public struct Entry: Codable, Hashable, Sendable {
        public var arm: String
        public var benchmark: String
        public var variant: MetricVariant
        /// Mean over seeds of the arm's accuracy (fraction); for `instruct`, its score.
        public var meanAccuracy: Double
        /// Sample sd over seeds (fraction); nil with one seed.
        public var sd: Double?
        /// Number of seeds averaged (1 for `instruct`).
        public var seeds: Int

        public init(arm: String, benchmark: String, variant: MetricVariant, meanAccuracy: Double, sd: Double? = nil, seeds: Int) {
            self.arm = arm; self.benchmark = benchmark; self.variant = variant
            self.meanAccuracy = meanAccuracy; self.sd = sd; self.seeds = seeds
        }
    }

    public init(format: Int = PinnedResults.currentFormat, experiment: String, preset: String? = nil, seeds: [UInt64],
                createdBy: String, entries: [Entry]) {
        self.format = format; self.experiment = experiment; self.preset = preset; self.seeds = seeds
        self.createdBy = createdBy; self.entries = entries
    }

    /// Pins an analysis: the instruct model's score on every benchmark and variant it has, and
    /// for every fine-tuned arm the mean (and sd) over seeds of its whole-benchmark accuracy.
    /// Throws `GateError.emptyAnalysis` when there is nothing to pin.
    public init(from analysis: ExperimentAnalysis, createdBy: String = "retain gate --pin") throws {
        guard !analysis.comparisons.isEmpty || !analysis.instruct.isEmpty else {
            throw GateError.emptyAnalysis("experiment \(quotedName(analysis.experiment)) has no results to pin")
        }
        var entries = analysis.instruct.map {
            Entry(arm: "instruct", benchmark: $0.benchmark, variant: $0.variant, meanAccuracy: $0.accuracy, sd: nil, seeds: 1)
        }
        struct Key: Hashable { var arm: String; var benchmark: String; var variant: MetricVariant }
        let groups = Dictionary(grouping: analysis.comparisons.filter { $0.family == nil }) {
            Key(arm: $0.arm, benchmark: $0.benchmark, variant: $0.variant)
        }
        for (key, comparisons) in groups {
            let summary = try SampleSummary(comparisons.map(\.accAfter))
            entries.append(Entry(arm: key.arm, benchmark: key.benchmark, variant: key.variant,
                                 meanAccuracy: summary.mean, sd: summary.sd, seeds: summary.n))
        }
        let armOrder = Dictionary(analysis.arms.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let variantOrder = Dictionary(uniqueKeysWithValues: MetricVariant.allCases.enumerated().map { ($1, $0) })
        entries.sort {
            let a = (armOrder[$0.arm] ?? Int.max, $0.arm, $0.benchmark, variantOrder[$0.variant]!)
            let b = (armOrder[$1.arm] ?? Int.max, $1.arm, $1.benchmark, variantOrder[$1.variant]!)
            return a < b
        }
        self.init(experiment: analysis.experiment, preset: analysis.preset, seeds: analysis.seeds, createdBy: createdBy, entries: entries)
    }

    /// The entry for an (arm, benchmark, variant), if pinned.
    public func entry(arm: String, benchmark: String, variant: MetricVariant) -> Entry? {
        entries.first { $0.arm == arm && $0.benchmark == benchmark && $0.variant == variant }
    }

    /// Pretty-printed JSON with sorted keys and a trailing newline, for committing to a repository.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Decodes pinned results; errors are `GateError.pinnedFile` naming `file` and the JSON field.
    public static func decode(_ data: Data, file: String) throws -> PinnedResults {
        let pinned: PinnedResults
        do {
            pinned = try JSONDecoder().decode(PinnedResults.self, from: data)
        } catch let error as DecodingError {
            throw GateError.pinnedFile(file: file, message: describe(error))
        } catch {
            throw GateError.pinnedFile(file: file, message: "not valid JSON (\(error.localizedDescription))")
        }
        guard pinned.format == currentFormat else {
            throw GateError.pinnedFile(file: file, message: "format \(pinned.format) is not supported (this retain reads format \(currentFormat))")
        }
        var seen = Set<String>()
        for e in pinned.entries where !seen.insert("\(e.arm)\u{0}\(e.benchmark)\u{0}\(e.variant)").inserted {
            throw GateError.pinnedFile(file: file, message: "entry \(e.arm)/\(e.benchmark)/\(e.variant.rawValue) appears more than once")
        }
        for (i, e) in pinned.entries.enumerated() where !(e.meanAccuracy >= 0 && e.meanAccuracy <= 1) {
            throw GateError.pinnedFile(file: file, message: "entries[\(i)].meanAccuracy must be a fraction in 0...1, found \(e.meanAccuracy)")
        }
        return pinned
    }

    /// Reads and decodes the file at `path` (errors name the path as given).
    public static func load(path: String) throws -> PinnedResults {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GateError.pinnedFile(file: path, message: "no such pinned results file (or not readable); create it with retain gate --pin")
        }
        return try decode(data, file: path)
    }

    /// A loader for `Gate.evaluate`: resolves relative paths against `directory` (nil: the
    /// current directory) and loads them with `load(path:)`.
    public static func loader(relativeTo directory: String? = nil) -> (String) throws -> PinnedResults {
        { path in
            guard let directory, !path.hasPrefix("/") else { return try load(path: path) }
            return try load(path: URL(fileURLWithPath: directory).appendingPathComponent(path).path)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "(top level)" : text)
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing key \(quotedName(key.stringValue))\(at)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON (\(context.debugDescription))" : "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
