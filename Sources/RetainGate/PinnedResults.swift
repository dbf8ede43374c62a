import Foundation
import RetainAnalysis
import RetainCore
import RetainYAML

/// What a reference run measured, written as JSON by `retain gate --pin` and checked by a budget's
/// `pinned` rule. Accuracies are fractions in [0, 1] (as in the analysis' JSON), not points.
///
/// **Format 2** (what `--pin` writes) holds, beside the mean accuracies of format 1 (kept for
/// readers; the rule does not check them), every model's per-item correctness: one record per
/// (arm, seed, benchmark, variant), and one per (benchmark, variant) for the instruct model,
/// which is evaluated once whatever the seed (no `seed`). Item ids are listed once per benchmark
/// under `items` (ascending); a record's `correct` has one character per id, `1` right and `0`
/// wrong, in that order. A record whose items differ from its benchmark's list carries its own
/// `items` (never written for the built-in world). Keys are sorted, so a re-pin of the same run
/// writes the same bytes. The `pinned` rule pairs every record with the same record now, item by
/// item: exact McNemar per record, Holm across the records, or `exact: true` (see `PinnedRule`).
///
///     {
///       "createdBy": "retain gate --pin",
///       "entries": [
///         {"arm": "instruct", "benchmark": "general", "meanAccuracy": 0.5, "seeds": 1, "variant": "mc"},
///         {"arm": "reconstructed-mix", "benchmark": "general", "meanAccuracy": 0.375, "sd": 0.1768, "seeds": 2, "variant": "mc"}
///       ],
///       "experiment": "quick-paper-table",
///       "format": 2,
///       "items": {"general": ["general-arith-000", "general-arith-001", "general-facts-000", "general-facts-001"]},
///       "preset": "quick",
///       "records": [
///         {"arm": "instruct", "benchmark": "general", "correct": "1010", "variant": "mc"},
///         {"arm": "reconstructed-mix", "benchmark": "general", "correct": "1000", "seed": 1, "variant": "mc"},
///         {"arm": "reconstructed-mix", "benchmark": "general", "correct": "0110", "seed": 2, "variant": "mc"}
///       ],
///       "seeds": [1, 2]
///     }
///
/// **Format 1** (older files) has only `entries`: they are still read and checked as before (each
/// mean within the rule's points of the analysis' mean). A format above 2 is refused with an error
/// naming the file. Errors name the file and the JSON field (`records[3].correct: ...`).
public struct PinnedResults: Hashable, Sendable {
    /// The schema version `--pin` writes.
    public static let currentFormat = 2
    /// The schema versions this code reads.
    public static let readableFormats = 1...2

    /// Schema version (1 or 2).
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
    /// Format 2: per-item correctness, sorted by arm (analysis order), seed (instruct's none
    /// first), benchmark, variant. Empty in format 1.
    public var records: [Record]

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

    /// One model's pinned per-item correctness on one benchmark under one variant.
    public struct Record: Hashable, Sendable {
        public var arm: String
        /// The training seed; nil for the instruct model (evaluated once).
        public var seed: Int?
        public var benchmark: String
        public var variant: MetricVariant
        /// Item ids, ascending and unique.
        public var items: [String]
        /// `correct[i]`: whether `items[i]` was answered correctly (same length as `items`).
        public var correct: [Bool]

        public init(arm: String, seed: Int?, benchmark: String, variant: MetricVariant, items: [String], correct: [Bool]) {
            self.arm = arm; self.seed = seed; self.benchmark = benchmark; self.variant = variant
            self.items = items; self.correct = correct
        }

        /// The record of an analysis' per-item outcomes (sorted by item id).
        public init(_ record: ItemOutcomeRecord) {
            let sorted = record.outcomes.sorted { $0.itemID < $1.itemID }
            self.init(arm: record.arm, seed: record.seed, benchmark: record.benchmark, variant: record.variant,
                      items: sorted.map(\.itemID), correct: sorted.map(\.correct))
        }

        /// `arm/seed 1/benchmark/variant`, or `arm/benchmark/variant` without a seed.
        public var label: String { key.label }

        /// The `correct` string of the file: one `1` (right) or `0` (wrong) per item.
        public var correctText: String { String(correct.map { $0 ? "1" : "0" }) }
    }

    public init(format: Int = PinnedResults.currentFormat, experiment: String, preset: String? = nil, seeds: [UInt64],
                createdBy: String, entries: [Entry], records: [Record] = []) {
        self.format = format; self.experiment = experiment; self.preset = preset; self.seeds = seeds
        self.createdBy = createdBy; self.entries = entries; self.records = records
    }

    /// Pins an analysis: the instruct model's score on every benchmark and variant it has, and
    /// for every fine-tuned arm the mean (and sd) over seeds of its whole-benchmark accuracy.
    /// With `items` (the per-item records the analysis paired, see `ExperimentAnalyzer.analyze`)
    /// the result is format 2 and holds them as `records`; without, format 1 (means only).
    /// Throws `GateError.emptyAnalysis` when there is nothing to pin, and `GateError.pinnedFile`
    /// when `items` gives one record twice or a record with an item twice.
    public init(from analysis: ExperimentAnalysis, items: [ItemOutcomeRecord]? = nil,
                createdBy: String = "retain gate --pin") throws {
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
        guard let items else {
            self.init(format: 1, experiment: analysis.experiment, preset: analysis.preset, seeds: analysis.seeds,
                      createdBy: createdBy, entries: entries)
            return
        }
        let pinning = "(pinning \(analysis.experiment))"
        guard !items.isEmpty else {
            throw GateError.emptyAnalysis("experiment \(quotedName(analysis.experiment)) has no per-item outcomes to pin")
        }
        var records = items.map(Record.init)
        records.sort {
            let a = (armOrder[$0.arm] ?? Int.max, $0.arm, $0.seed ?? Int.min, $0.benchmark, variantOrder[$0.variant]!)
            let b = (armOrder[$1.arm] ?? Int.max, $1.arm, $1.seed ?? Int.min, $1.benchmark, variantOrder[$1.variant]!)
            return a < b
        }
        for (x, y) in zip(records, records.dropFirst()) where x.key == y.key {
            throw GateError.pinnedFile(file: pinning, message: "record \(x.label) given twice")
        }
        for r in records {
            for (a, b) in zip(r.items, r.items.dropFirst()) where a == b {
                throw GateError.pinnedFile(file: pinning, message: "record \(r.label) has item \(quotedName(a)) twice")
            }
        }
        self.init(format: 2, experiment: analysis.experiment, preset: analysis.preset, seeds: analysis.seeds,
                  createdBy: createdBy, entries: entries, records: records)
    }

    /// The entry for an (arm, benchmark, variant), if pinned.
    public func entry(arm: String, benchmark: String, variant: MetricVariant) -> Entry? {
        entries.first { $0.arm == arm && $0.benchmark == benchmark && $0.variant == variant }
    }

    /// The record for an (arm, seed, benchmark, variant), if pinned (format 2).
    public func record(arm: String, seed: Int?, benchmark: String, variant: MetricVariant) -> Record? {
        records.first { $0.arm == arm && $0.seed == seed && $0.benchmark == benchmark && $0.variant == variant }
    }

    /// Pretty-printed JSON with sorted keys and a trailing newline, for committing to a repository.
    /// Format 2 lists each benchmark's item ids once (`items`); a record repeats its ids only when
    /// they differ from its benchmark's list (the list most of the benchmark's records share).
    public func encoded() throws -> Data {
        var file = FileShape(format: format, experiment: experiment, preset: preset, seeds: seeds, createdBy: createdBy,
                             entries: entries, items: nil, records: nil)
        if format >= 2 {
            var table: [String: [String]] = [:]
            for benchmark in Set(records.map(\.benchmark)) {
                // The most common id list among the benchmark's records; ties go to the first seen.
                var counts: [[String]: (count: Int, first: Int)] = [:]
                for (i, r) in records.enumerated() where r.benchmark == benchmark {
                    let c = counts[r.items] ?? (0, i)
                    counts[r.items] = (c.count + 1, c.first)
                }
                table[benchmark] = counts.max { ($0.value.count, -$0.value.first) < ($1.value.count, -$1.value.first) }!.key
            }
            file.items = table
            file.records = records.map {
                RecordShape(arm: $0.arm, seed: $0.seed, benchmark: $0.benchmark, variant: $0.variant,
                            items: $0.items == table[$0.benchmark] ? nil : $0.items, correct: $0.correctText)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(file) + Data("\n".utf8)
    }

    /// Decodes pinned results of format 1 or 2; errors are `GateError.pinnedFile` naming `file`
    /// and the JSON field. A format this code does not read is refused before anything else is
    /// looked at.
    public static func decode(_ data: Data, file: String) throws -> PinnedResults {
        func fail(_ message: String) -> GateError { .pinnedFile(file: file, message: message) }
        func decoded<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                return try JSONDecoder().decode(type, from: data)
            } catch let error as DecodingError {
                throw fail(describe(error))
            } catch {
                throw fail("not valid JSON (\(error.localizedDescription))")
            }
        }
        struct Probe: Decodable { var format: Int }
        let format = try decoded(Probe.self).format
        guard readableFormats.contains(format) else {
            throw fail("format \(format) is not supported (this retain reads formats \(readableFormats.lowerBound) and "
                + "\(readableFormats.upperBound); a newer retain wrote it, or re-pin with retain gate --pin)")
        }
        let shape = try decoded(FileShape.self)
        var seen = Set<String>()
        for e in shape.entries where !seen.insert("\(e.arm)\u{0}\(e.benchmark)\u{0}\(e.variant)").inserted {
            throw fail("entry \(e.arm)/\(e.benchmark)/\(e.variant.rawValue) appears more than once")
        }
        for (i, e) in shape.entries.enumerated() where !(e.meanAccuracy >= 0 && e.meanAccuracy <= 1) {
            throw fail("entries[\(i)].meanAccuracy must be a fraction in 0...1, found \(e.meanAccuracy)")
        }
        var pinned = PinnedResults(format: format, experiment: shape.experiment, preset: shape.preset, seeds: shape.seeds,
                                   createdBy: shape.createdBy, entries: shape.entries)
        guard format >= 2 else {
            if shape.records != nil || shape.items != nil {
                throw fail("\(shape.records != nil ? "records" : "items"): per-item outcomes need format 2, but the file says format 1")
            }
            return pinned
        }
        guard let shapes = shape.records else { throw fail("missing key \"records\" (format 2 holds per-item records)") }
        let table = shape.items ?? [:]
        func checkIDs(_ ids: [String], _ field: String) throws {
            guard !ids.isEmpty else { throw fail("\(field): an empty list; expected the item ids, ascending") }
            for (a, b) in zip(ids, ids.dropFirst()) where !(a < b) {
                throw fail("\(field): ids must be unique and in ascending order, found \(quotedName(b)) after \(quotedName(a))")
            }
        }
        for benchmark in table.keys.sorted() { try checkIDs(table[benchmark]!, "items.\(benchmark)") }
        var keys = Set<Record.Key>()
        for (i, r) in shapes.enumerated() {
            let at = "records[\(i)]"
            let items: [String], source: String
            if let own = r.items {
                try checkIDs(own, "\(at).items")
                (items, source) = (own, "\(at).items")
            } else if let shared = table[r.benchmark] {
                (items, source) = (shared, "items.\(r.benchmark)")
            } else {
                throw fail("\(at): no item ids for benchmark \(quotedName(r.benchmark)) (neither \(at).items nor items.\(r.benchmark) is given)")
            }
            var correct: [Bool] = []
            correct.reserveCapacity(items.count)
            for (position, character) in r.correct.enumerated() {
                switch character {
                case "1": correct.append(true)
                case "0": correct.append(false)
                default:
                    throw fail("\(at).correct: character \(position + 1) is \(quotedName(String(character))); expected only 0 (wrong) and 1 (right)")
                }
            }
            guard correct.count == items.count else {
                throw fail("\(at).correct: \(correct.count) characters for the \(items.count) item ids of \(source); expected one 0 or 1 per item")
            }
            let record = Record(arm: r.arm, seed: r.seed, benchmark: r.benchmark, variant: r.variant, items: items, correct: correct)
            guard keys.insert(record.key).inserted else { throw fail("\(at): the record \(record.label) appears more than once") }
            pinned.records.append(record)
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

    /// The JSON document, as written.
    struct FileShape: Codable {
        var format: Int
        var experiment: String
        var preset: String?
        var seeds: [UInt64]
        var createdBy: String
        var entries: [Entry]
        /// Format 2: item ids per benchmark, ascending.
        var items: [String: [String]]?
        /// Format 2.
        var records: [RecordShape]?
    }

    /// A record as written: `correct` as a string of 0 and 1, `items` only when they differ from
    /// the benchmark's list.
    struct RecordShape: Codable {
        var arm: String
        var seed: Int?
        var benchmark: String
        var variant: MetricVariant
        var items: [String]?
        var correct: String
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

extension PinnedResults.Record {
    /// What identifies a record: (arm, seed, benchmark, variant).
    struct Key: Hashable {
        var arm: String
        var seed: Int?
        var benchmark: String
        var variant: MetricVariant
    }

    var key: Key { Key(arm: arm, seed: seed, benchmark: benchmark, variant: variant) }
}

extension PinnedResults.Record.Key {
    /// `arm/seed 1/benchmark/variant`, or `arm/benchmark/variant` without a seed.
    var label: String { "\(arm)/" + (seed.map { "seed \($0)/" } ?? "") + "\(benchmark)/\(variant.rawValue)" }
}
