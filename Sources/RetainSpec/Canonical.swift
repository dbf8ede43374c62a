import Foundation
import RetainCore
import RetainYAML

extension ExperimentSpec {
    /// The same spec with order-free lists in canonical order: seeds ascending, benchmarks
    /// general before domain, sweep shares ascending; `min_score` 0 (no minimum) as nil; no judge
    /// sets as an absent `judge_sets` (judge sets are a mapping, encoded with sorted keys).
    /// `SpecParser` returns normalised specs; `contentHash()` hashes the normalised form.
    public func normalized() -> ExperimentSpec {
        var spec = self
        spec.seeds.sort()
        spec.evaluation.benchmarks.sort()
        spec.sweep?.generalShares.sort()
        if spec.synthesis.minScore == 0 { spec.synthesis.minScore = nil }
        spec.synthesis.judgeSets = spec.synthesis.judgeSets   // an empty mapping as none
        return spec
    }

    /// The normalised spec as JSON with sorted keys and every default written out (keys are
    /// the YAML spellings). Same meaning, same bytes: whitespace, comments, key order and omitted
    /// defaults in the YAML make no difference.
    public func canonicalJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(normalized()), as: UTF8.self)
    }

    /// `ContentHash.of` the normalised spec (16 hex digits): equal for specs that mean the same.
    public func contentHash() throws -> String {
        try ContentHash.of(normalized())
    }

    /// The normalised spec as YAML in schema order with every default written out. Parsing it
    /// back gives an equal spec (with the default known models).
    public var canonicalYAML: String {
        let spec = normalized()
        var out: [String] = []
        out.append("experiment: \(YAMLText.string(spec.experiment))")
        out.append("world:")
        out.append("  preset: \(spec.world.preset.rawValue)")
        out.append("  seed: \(spec.world.seed)")
        out.append("threads: \(spec.threads)")
        out.append("seeds: [\(spec.seeds.map(String.init).joined(separator: ", "))]")
        let s = spec.synthesis
        out.append("synthesis:")
        out.append("  instructions: \(s.instructions)")
        out.append("  temperature: \(YAMLText.number(s.temperature))")
        out.append("  top_p: \(YAMLText.number(s.topP))")
        out.append("  max_tokens: \(s.maxTokens)")
        out.append("  dedup_threshold: \(YAMLText.number(s.dedupThreshold))")
        out.append("  min_chars: \(s.minChars)")
        out.append("  max_chars: \(s.maxChars)")
        out.append("  generators: [\(s.generators.map(YAMLText.string).joined(separator: ", "))]")
        out.append("  responses_per_model: \(s.responsesPerModel)")
        out.append("  response_temperature: \(YAMLText.number(s.responseTemperature))")
        out.append("  response_top_p: \(YAMLText.number(s.responseTopP))")
        out.append("  response_max_tokens: \(s.responseMaxTokens)")
        out.append("  judges:")
        for judge in s.judges { out.append("    - \(YAMLText.judge(judge))") }
        out.append("  min_score: \(s.minScore.map(YAMLText.number) ?? "null")")
        out.append("  judge_sets:" + (s.judgeSets.isEmpty ? " {}" : ""))
        for (name, judges) in s.judgeSets.sorted(by: { $0.key < $1.key }) {
            out.append("    \(YAMLText.string(name)):")
            for judge in judges { out.append("      - \(YAMLText.judge(judge))") }
        }
        out.append("mix:")
        out.append("  general_share: \(YAMLText.number(spec.mix.generalShare))")
        out.append("  total: \(spec.mix.total.map(String.init) ?? "null")")
        out.append("  interleave: \(spec.mix.interleave)")
        out.append("training:")
        out.append("  epochs: \(YAMLText.number(spec.training.epochs))")
        out.append("  learning_rate: \(YAMLText.number(spec.training.learningRate))")
        out.append("  batch_size: \(spec.training.batchSize)")
        out.append("  warmup_fraction: \(YAMLText.number(spec.training.warmupFraction))")
        out.append("  user_token_weight: \(YAMLText.number(spec.training.userTokenWeight))")
        out.append("  tokens: \(spec.training.tokens.map(String.init) ?? "null")")
        out.append("evaluation:")
        out.append("  max_tokens: \(spec.evaluation.maxTokens)")
        out.append("  benchmarks: [\(spec.evaluation.benchmarks.map(\.rawValue).joined(separator: ", "))]")
        out.append("arms:")
        for arm in spec.arms { out.append("  - \(YAMLText.string(arm.name))") }
        if let sweep = spec.sweep {
            out.append("sweep:")
            out.append("  arm: \(YAMLText.string(sweep.arm.name))")
            out.append("  general_shares: [\(sweep.generalShares.map(YAMLText.number).joined(separator: ", "))]")
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// Scalars as canonical YAML writes them.
enum YAMLText {
    /// Swift's shortest round-tripping spelling, with a ".0" on whole numbers so it reads as a float.
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return "\(Int(x)).0" }
        return "\(x)"
    }

    /// A judge as a flow mapping: `{kind: likelihood, model: instruct}`, `{kind: verifier}`.
    static func judge(_ j: JudgeSpec) -> String {
        j.model.map { "{kind: \(j.kind.rawValue), model: \(string($0))}" } ?? "{kind: \(j.kind.rawValue)}"
    }

    /// Plain when the text is a safe name that YAML would not read as a number, boolean or null;
    /// double-quoted otherwise.
    static func string(_ s: String) -> String {
        let safe = !s.isEmpty && s.unicodeScalars.allSatisfy { c in
            (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-" || c == ":"
        }
        let first = s.unicodeScalars.first
        let startsOK = first.map { ($0 >= "A" && $0 <= "Z") || ($0 >= "a" && $0 <= "z") || $0 == "_" } ?? false
        let reserved = ["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(s.lowercased())
        if safe && startsOK && !reserved && !s.hasSuffix(":") { return s }
        return quotedName(s)
    }
}
