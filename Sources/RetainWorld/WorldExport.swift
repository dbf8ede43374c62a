import Foundation
import RetainCore

/// Writes a world to disk: SFT sets as OpenAI-messages JSONL, the corpus as `{"text": ...}` JSONL,
/// and the benchmarks as JSONL plus lm-evaluation-harness task YAML.
///
/// Layout under the output directory:
/// ```
/// world.json                 config, content hash, families, mixes, TV distances, sizes
/// corpus.jsonl               {"text": ...} per document
/// sft/original.jsonl         only with includeOriginal (the vendor's hidden set)
/// sft/<public set>.jsonl     {"messages": [...], "family": ..., "source": ...} per line
/// sft/domain.jsonl
/// benchmarks/manifest.json   config hash and item counts
/// benchmarks/{general,domain}_{mc,gen}.jsonl and .yaml
/// ```
public enum WorldExporter {
    public struct Options: Sendable {
        /// Also write the original SFT set (hidden by default: only the oracle arm may see it).
        public var includeOriginal = false
        /// Write only `benchmarks/` (for committing example benchmarks).
        public var benchmarksOnly = false
        /// Preset name recorded in the manifests (informational).
        public var presetName: String?
        public init(includeOriginal: Bool = false, benchmarksOnly: Bool = false, presetName: String? = nil) {
            self.includeOriginal = includeOriginal
            self.benchmarksOnly = benchmarksOnly
            self.presetName = presetName
        }
    }

    /// Writes the world under `directory` (created if needed); returns the written files' paths
    /// relative to `directory`, in writing order.
    @discardableResult
    public static func export(_ world: World, to directory: URL, options: Options = Options()) throws -> [String] {
        var written: [String] = []
        func write(_ data: Data, _ path: String) throws {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
            written.append(path)
        }

        if !options.benchmarksOnly {
            try write(try summaryJSON(world, options: options), "world.json")
            try write(try jsonl(world.pretrainingCorpus.map { CorpusDocument(text: $0) }), "corpus.jsonl")
            if options.includeOriginal { try write(try jsonl(world.originalSFT), "sft/original.jsonl") }
            for p in world.publicSets { try write(try jsonl(p.conversations), "sft/\(p.name).jsonl") }
            try write(try jsonl(world.domainSet), "sft/domain.jsonl")
        }

        let hash = world.config.contentHash
        for b in world.benchmarks.all {
            try write(try jsonl(b.multipleChoice), "benchmarks/\(b.name)_mc.jsonl")
            try write(Data(multipleChoiceYAML(b, configHash: hash).utf8), "benchmarks/\(b.name)_mc.yaml")
            try write(try jsonl(b.generative), "benchmarks/\(b.name)_gen.jsonl")
            let strict = b.kind == .domain ? world.domainStyle : world.originalStyle
            try write(Data(generativeYAML(b, strictStyle: strict, configHash: hash).utf8), "benchmarks/\(b.name)_gen.yaml")
        }
        try write(try benchmarkManifest(world, options: options), "benchmarks/manifest.json")
        return written
    }

    struct CorpusDocument: Codable { var text: String }

    /// One compact JSON object per line (sorted keys), newline-terminated.
    public static func jsonl<T: Encodable>(_ items: [T]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for item in items {
            out.append(try encoder.encode(item))
            out.append(0x0A)
        }
        return out
    }

    // MARK: - lm-evaluation-harness YAML (hand-written: no YAML dependency)

    /// A YAML double-quoted scalar: backslash, quote and control characters escaped.
    public static func yamlQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\x%02X", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// `s` with regular-expression metacharacters escaped.
    public static func regexEscaped(_ s: String) -> String {
        let special = Set("\\^$.|?*+()[]{}")
        return s.map { special.contains($0) ? "\\\($0)" : String($0) }.joined()
    }

    private static func header(_ b: Benchmark, _ what: String, _ task: String, configHash: String) -> String {
        """
        # Retain built-in world: \(b.name) benchmark, \(what).
        # \(b.multipleChoice.count) items, \(b.families.count) families x \(b.multipleChoice.count / max(1, b.families.count)) items; world config hash \(configHash).
        # Generated by `retain world export`; do not edit. Questions are user turns: run with a chat
        # model and --apply_chat_template, from this folder (data_files is relative to it):
        #   lm_eval --model hf --model_args pretrained=MODEL --include_path . --tasks \(task) --apply_chat_template

        """
    }

    public static func multipleChoiceYAML(_ b: Benchmark, configHash: String) -> String {
        let task = "retain_\(b.name)_mc"
        return header(b, "multiple choice (log-likelihood of 4 replies in the \(b.choiceStyle.name) style)", task, configHash: configHash) + """
        task: \(task)
        dataset_path: json
        dataset_kwargs:
          data_files:
            test: \(yamlQuoted("\(b.name)_mc.jsonl"))
        test_split: test
        output_type: multiple_choice
        doc_to_text: "{{question}}"
        doc_to_choice: choices
        doc_to_target: answerIndex
        target_delimiter: ""
        metric_list:
          - metric: acc
            aggregation: mean
            higher_is_better: true
        metadata:
          version: 1.0
          config_hash: \(yamlQuoted(configHash))

        """
    }

    /// Generative variant. `strict-match` is the exact reply pattern of `strictStyle`;
    /// `flexible-extract` approximates Retain's flexible rule with one regex (the last number
    /// list or word); Retain's own evaluator applies the per-family rule of `AnswerExtractor`.
    public static func generativeYAML(_ b: Benchmark, strictStyle: ResponseStyle, configHash: String) -> String {
        let task = "retain_\(b.name)_gen"
        let strict = "^" + regexEscaped(strictStyle.prefix) + "(.+?)" + regexEscaped(strictStyle.suffix) + "$"
        let flexible = "(-?[0-9]+(?:, -?[0-9]+)*|[A-Za-z]+)"
        return header(b, "generative (exact match after answer extraction)", task, configHash: configHash) + """
        task: \(task)
        dataset_path: json
        dataset_kwargs:
          data_files:
            test: \(yamlQuoted("\(b.name)_gen.jsonl"))
        test_split: test
        output_type: generate_until
        doc_to_text: "{{question}}"
        doc_to_target: answer
        generation_kwargs:
          until:
            - "\\n"
          do_sample: false
          max_gen_toks: 32
        filter_list:
          - name: strict-match
            filter:
              - function: regex
                regex_pattern: \(yamlQuoted(strict))
              - function: take_first
          - name: flexible-extract
            filter:
              - function: regex
                group_select: -1
                regex_pattern: \(yamlQuoted(flexible))
              - function: take_first
        metric_list:
          - metric: exact_match
            aggregation: mean
            higher_is_better: true
            ignore_case: true
            ignore_punctuation: false
        metadata:
          version: 1.0
          config_hash: \(yamlQuoted(configHash))

        """
    }

    // MARK: - Manifests

    struct FamilySummary: Codable {
        var name: String, kind: BenchmarkKind, summary: String, templates: [String], usesKnowledge: Bool, binary: Bool
    }
    struct SetSummary: Codable {
        var name: String, size: Int, style: String
        var lambda: Double?, missingFamilies: [String]?, sharedTemplates: Int?
        /// TV distance of the designed mix from the original's designed mix.
        var targetMixDistance: Double?
        /// TV distance of the measured mix from the original set's measured mix.
        var measuredMixDistance: Double?
    }
    struct Summary: Codable {
        var preset: String?, configHash: String, config: WorldConfig
        var families: [FamilySummary]
        var originalMix: [String: Double]
        var sets: [SetSummary]
        var corpusDocuments: Int
        var benchmarks: [String: Int]
    }
    struct BenchmarkManifest: Codable {
        var preset: String?, configHash: String, seed: UInt64
        var files: [String: Int]
        var families: [String: [String]]
        var choiceStyle: String
    }

    static func summaryJSON(_ world: World, options: Options) throws -> Data {
        var sets = [SetSummary(name: "original", size: world.originalSFT.count, style: world.originalStyle.name,
                               lambda: 0, missingFamilies: [], sharedTemplates: world.config.originalTemplatesPerFamily,
                               targetMixDistance: 0, measuredMixDistance: 0)]
        for p in world.publicSets {
            sets.append(SetSummary(name: p.name, size: p.conversations.count, style: p.style.name, lambda: p.lambda,
                                   missingFamilies: p.missingFamilies, sharedTemplates: p.config.sharedTemplates,
                                   targetMixDistance: World.totalVariationDistance(p.targetMix, world.originalMix),
                                   measuredMixDistance: world.familyMixDistance(p.conversations)))
        }
        sets.append(SetSummary(name: "domain", size: world.domainSet.count, style: world.domainStyle.name))
        let summary = Summary(
            preset: options.presetName, configHash: world.config.contentHash, config: world.config,
            families: world.families.map {
                FamilySummary(name: $0.name, kind: $0.kind, summary: $0.summary, templates: $0.templates.map(\.text),
                              usesKnowledge: $0.usesKnowledge, binary: $0.isBinary)
            },
            originalMix: world.originalMix, sets: sets, corpusDocuments: world.pretrainingCorpus.count,
            benchmarks: Dictionary(uniqueKeysWithValues: world.benchmarks.all.map { ($0.name, $0.multipleChoice.count) }))
        return try pretty(summary)
    }

    static func benchmarkManifest(_ world: World, options: Options) throws -> Data {
        var files: [String: Int] = [:], families: [String: [String]] = [:]
        for b in world.benchmarks.all {
            files["\(b.name)_mc.jsonl"] = b.multipleChoice.count
            files["\(b.name)_gen.jsonl"] = b.generative.count
            families[b.name] = b.families
        }
        return try pretty(BenchmarkManifest(preset: options.presetName, configHash: world.config.contentHash, seed: world.config.seed,
                                            files: files, families: families, choiceStyle: world.originalStyle.name))
    }

    static func pretty<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }
}
