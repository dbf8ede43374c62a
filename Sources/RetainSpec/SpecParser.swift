import Foundation
import RetainCore
import RetainYAML
import Yams

/// Reads an `ExperimentSpec` from YAML.
///
/// Every error is a `SpecError` naming `file:line:column`, the field path, what was found and
/// what is allowed. Unknown keys are errors (with a "did you mean" suggestion for a near miss);
/// absent or null optional fields take their documented defaults. Lists whose order carries no
/// meaning (seeds, benchmarks, sweep shares) come back sorted, and `min_score: 0` comes back as
/// nil, so specs that mean the same thing compare and hash equal.
public enum SpecParser {
    /// The models of the built-in world's vendor: what generators and judges may name by default.
    public static let defaultKnownModels = ["instruct", "vendor-b", "vendor-c"]

    /// The top-level keys, in schema order.
    public static let topLevelKeys = ["experiment", "world", "threads", "seeds", "synthesis", "mix", "training", "evaluation", "arms", "sweep"]

    /// Parses a spec from YAML text. `file` is only used in error messages.
    /// `knownModels` are the models generators and judges may name (judges may also name any
    /// generator).
    public static func parse(yaml: String, file: String = "<spec>", knownModels: [String] = defaultKnownModels) throws -> ExperimentSpec {
        let context = SpecContext(file: file, knownModels: knownModels)
        let root = try YAMLDocument.compose(yaml: yaml, file: file,
                                            emptyMessage: "the spec is empty; expected a mapping with at least the keys experiment and arms")
        return try ExperimentReader(context: context).read(root)
    }

    /// Reads and parses the spec file at `path` (errors name the path as given).
    public static func load(path: String, knownModels: [String] = defaultKnownModels) throws -> ExperimentSpec {
        try parse(yaml: YAMLDocument.readFile(path: path, what: "spec"), file: path, knownModels: knownModels)
    }
}

/// Reads the sections of a composed document.
struct ExperimentReader {
    let context: SpecContext

    func read(_ root: Node) throws -> ExperimentSpec {
        let fields = try Fields(root, path: "", allowed: SpecParser.topLevelKeys, context: context,
                                what: "a mapping of experiment settings at the top level")

        let nameNode = try fields.required("experiment", "a name matching \(SpecNames.namePattern)")
        let name = try context.text(nameNode, "experiment", expected: "a name matching \(SpecNames.namePattern)")
        guard SpecNames.isValidName(name) else {
            throw context.error(.invalidValue, nameNode, "experiment",
                                "expected a name matching \(SpecNames.namePattern), found \(quotedName(name))")
        }

        var spec = ExperimentSpec(experiment: name, arms: [])
        if let node = fields.value("world") { spec.world = try readWorld(node, fields.path("world")) }
        if let node = fields.value("threads") { spec.threads = try context.integer(node, "threads", in: 1...64) }
        if let node = fields.value("seeds") { spec.seeds = try readSeeds(node, "seeds") }
        if let node = fields.value("synthesis") { spec.synthesis = try readSynthesis(node, "synthesis") }
        if let node = fields.value("mix") { spec.mix = try readMix(node, "mix") }
        if let node = fields.value("training") { spec.training = try readTraining(node, "training") }
        if let node = fields.value("evaluation") { spec.evaluation = try readEvaluation(node, "evaluation") }
        let armsNode = try fields.required("arms", "a non-empty list of arms: \(Arm.allowedSpellings.joined(separator: ", "))")
        spec.arms = try readArms(armsNode, "arms", judgeSets: spec.synthesis.judgeSets)
        if let node = fields.value("sweep") { spec.sweep = try readSweep(node, "sweep", arms: spec.arms) }
        return spec.normalized()
    }

    // MARK: Sections

    func readWorld(_ node: Node, _ path: String) throws -> WorldSpec {
        let fields = try Fields(node, path: path, allowed: ["preset", "seed"], context: context, what: "a mapping with preset and seed")
        var world = WorldSpec()
        if let node = fields.value("preset") {
            world.preset = try context.choice(node, fields.path("preset"), WorldPreset.allCases.map { ($0.rawValue, $0) })
        }
        if let node = fields.value("seed") { world.seed = try context.unsigned(node, fields.path("seed")) }
        return world
    }

    func readSeeds(_ node: Node, _ path: String) throws -> [UInt64] {
        let items = try context.list(node, path, of: "non-negative integer seeds", count: 1...20)
        let seeds = try items.enumerated().map { i, item in try context.unsigned(item, "\(path)[\(i)]") }
        try context.requireUnique(seeds, items, path, what: "seed") { String($0) }
        return seeds
    }

    static let synthesisKeys = [
        "instructions", "temperature", "top_p", "max_tokens", "dedup_threshold", "min_chars", "max_chars", "generators",
        "responses_per_model", "response_temperature", "response_top_p", "response_max_tokens", "judges", "min_score",
        "judge_sets",
    ]

    func readSynthesis(_ node: Node, _ path: String) throws -> SynthesisSpec {
        let f = try Fields(node, path: path, allowed: ExperimentReader.synthesisKeys, context: context, what: "a mapping of synthesis settings")
        var s = SynthesisSpec()
        if let n = f.value("instructions") { s.instructions = try context.integer(n, f.path("instructions"), in: 1...1_000_000) }
        if let n = f.value("temperature") { s.temperature = try context.number(n, f.path("temperature"), in: .closed(0, 2)) }
        if let n = f.value("top_p") { s.topP = try context.number(n, f.path("top_p"), in: .openClosed(0, 1)) }
        if let n = f.value("max_tokens") { s.maxTokens = try context.integer(n, f.path("max_tokens"), in: 1...4096) }
        if let n = f.value("dedup_threshold") { s.dedupThreshold = try context.number(n, f.path("dedup_threshold"), in: .openClosed(0, 1)) }
        if let n = f.value("min_chars") { s.minChars = try context.integer(n, f.path("min_chars"), in: 0...1_000_000) }
        if let n = f.value("max_chars") { s.maxChars = try context.integer(n, f.path("max_chars"), in: 1...1_000_000) }
        if s.maxChars < s.minChars {
            // Point at max_chars when it is written, else at the min_chars that exceeds the default.
            if let n = f.value("max_chars") {
                throw context.error(.inconsistent, n, f.path("max_chars"),
                                    "must be >= min_chars (\(s.minChars)), found \(s.maxChars)")
            }
            throw context.error(.inconsistent, f.value("min_chars"), f.path("min_chars"),
                                "must be <= max_chars (\(s.maxChars), the default), found \(s.minChars)")
        }
        if let n = f.value("generators") { s.generators = try readGenerators(n, f.path("generators")) }
        if let n = f.value("responses_per_model") { s.responsesPerModel = try context.integer(n, f.path("responses_per_model"), in: 1...16) }
        if let n = f.value("response_temperature") {
            s.responseTemperature = try context.number(n, f.path("response_temperature"), in: .closed(0, 2))
        }
        if let n = f.value("response_top_p") { s.responseTopP = try context.number(n, f.path("response_top_p"), in: .openClosed(0, 1)) }
        if let n = f.value("response_max_tokens") { s.responseMaxTokens = try context.integer(n, f.path("response_max_tokens"), in: 1...4096) }
        if let n = f.value("judges") {
            s.judges = try readJudges(n, f.path("judges"), generators: s.generators)
        } else {
            s.judges = SynthesisSpec.defaultJudges(for: s.generators)
        }
        if let n = f.value("min_score") {
            let score = try context.number(n, f.path("min_score"), in: .closed(0, 5))
            s.minScore = score == 0 ? nil : score
        }
        if let n = f.value("judge_sets") { s.judgeSets = try readJudgeSets(n, f.path("judge_sets"), generators: s.generators) }
        return s
    }

    /// A model name that must be one of `allowed`.
    func model(_ node: Node, _ path: String, allowed: [String], what: String) throws -> String {
        let name = try context.text(node, path, expected: "a model name (one of \(allowed.joined(separator: ", ")))")
        guard allowed.contains(name) else {
            var message = "unknown \(what) \(quotedName(name))"
            if let suggestion = EditDistance.suggestion(for: name, among: allowed) { message += "; did you mean \"\(suggestion)\"?" }
            message += " (known models: \(allowed.joined(separator: ", ")))"
            throw context.error(.invalidValue, node, path, message)
        }
        return name
    }

    func readGenerators(_ node: Node, _ path: String) throws -> [String] {
        let items = try context.list(node, path, of: "model names", count: 1...Int.max)
        let names = try items.enumerated().map { i, item in
            try model(item, "\(path)[\(i)]", allowed: context.knownModels, what: "model")
        }
        try context.requireUnique(names, items, path, what: "generator") { quotedName($0) }
        return names
    }

    func readJudges(_ node: Node, _ path: String, generators: [String]) throws -> [JudgeSpec] {
        let items = try context.list(node, path, of: "judges", count: 1...Int.max)
        var judgeModels = generators
        for model in context.knownModels where !judgeModels.contains(model) { judgeModels.append(model) }
        var judges: [JudgeSpec] = []
        for (i, item) in items.enumerated() {
            let judgePath = "\(path)[\(i)]"
            let f = try Fields(item, path: judgePath, allowed: ["kind", "model"], context: context,
                               what: "a judge mapping such as {kind: likelihood, model: instruct}")
            let kindNode = try f.required("kind", "one of \(JudgeKind.allCases.map(\.rawValue).joined(separator: " | "))")
            let kind = try context.choice(kindNode, f.path("kind"), JudgeKind.allCases.map { ($0.rawValue, $0) })
            var judge = JudgeSpec(kind: kind)
            if kind.needsModel {
                let modelNode = try f.required("model", "a model for a \(kind.rawValue) judge, one of \(judgeModels.joined(separator: ", "))")
                judge.model = try model(modelNode, f.path("model"), allowed: judgeModels, what: "judge model")
            } else if let modelNode = f.value("model") {
                let why = kind == .verifier ? "it checks answers against the world's ground truth" : "it compares the responses' answers with each other"
                throw context.error(.invalidValue, modelNode, f.path("model"),
                                    "a \(kind.rawValue) judge takes no model (\(why)), found \(context.describe(modelNode))")
            }
            judges.append(judge)
        }
        try context.requireUnique(judges, items, path, what: "judge") { "{\($0.description)}" }
        return judges
    }

    /// `judge_sets`: a mapping from set names to judge lists (each read like `judges`).
    func readJudgeSets(_ node: Node, _ path: String, generators: [String]) throws -> [String: [JudgeSpec]] {
        let expected = "a mapping from judge set names to lists of judges, e.g. {likelihood-only: [{kind: likelihood, model: instruct}]}"
        guard case .mapping(let mapping) = node else {
            throw context.error(.wrongType, node, path, "expected \(expected), found \(context.describe(node))")
        }
        var sets: [String: [JudgeSpec]] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, !key.isNull else {
                throw context.error(.wrongType, key, path, "judge set names must be plain names, found \(context.describe(key)) as a key")
            }
            let name = scalar.string, setPath = Fields.join(path, name)
            guard SpecNames.isValidName(name) else {
                throw context.error(.invalidValue, key, setPath, "judge set name must match \(SpecNames.namePattern), found \(quotedName(name))")
            }
            guard !value.isNull else {
                throw context.error(.missingRequired, value, setPath, "required value is missing (expected a non-empty list of judges)")
            }
            sets[name] = try readJudges(value, setPath, generators: generators)
        }
        return sets
    }

    func readMix(_ node: Node, _ path: String) throws -> MixSpec {
        let f = try Fields(node, path: path, allowed: ["general_share", "total", "interleave"], context: context,
                           what: "a mapping with general_share, total and interleave")
        var mix = MixSpec()
        if let n = f.value("general_share") { mix.generalShare = try context.number(n, f.path("general_share"), in: .open(0, 1)) }
        if let n = f.value("total") { mix.total = try context.integer(n, f.path("total"), in: 1...Int.max, rangeText: ">= 1") }
        if let n = f.value("interleave") { mix.interleave = try context.boolean(n, f.path("interleave")) }
        return mix
    }

    func readTraining(_ node: Node, _ path: String) throws -> TrainingSpec {
        let f = try Fields(node, path: path, allowed: ["epochs", "learning_rate", "batch_size", "warmup_fraction", "user_token_weight", "tokens"],
                           context: context, what: "a mapping of training settings")
        var t = TrainingSpec()
        if let n = f.value("epochs") { t.epochs = try context.number(n, f.path("epochs"), in: .openClosed(0, 100)) }
        if let n = f.value("learning_rate") { t.learningRate = try context.number(n, f.path("learning_rate"), in: .openClosed(0, 1)) }
        if let n = f.value("batch_size") { t.batchSize = try context.integer(n, f.path("batch_size"), in: 1...1024) }
        if let n = f.value("warmup_fraction") { t.warmupFraction = try context.number(n, f.path("warmup_fraction"), in: .closedOpen(0, 1)) }
        if let n = f.value("user_token_weight") { t.userTokenWeight = try context.number(n, f.path("user_token_weight"), in: .closed(0, 1)) }
        if let n = f.value("tokens") { t.tokens = try context.integer(n, f.path("tokens"), in: 1...1_000_000_000_000) }
        return t
    }

    func readEvaluation(_ node: Node, _ path: String) throws -> EvaluationSpec {
        let f = try Fields(node, path: path, allowed: ["max_tokens", "benchmarks"], context: context, what: "a mapping with max_tokens and benchmarks")
        var e = EvaluationSpec()
        if let n = f.value("max_tokens") { e.maxTokens = try context.integer(n, f.path("max_tokens"), in: 1...4096) }
        if let n = f.value("benchmarks") {
            let listPath = f.path("benchmarks")
            let items = try context.list(n, listPath, of: "benchmarks (general, domain)", count: 1...Int.max)
            let kinds = try items.enumerated().map { i, item in
                try context.choice(item, "\(listPath)[\(i)]", BenchmarkKind.allCases.map { ($0.rawValue, $0) })
            }
            try context.requireUnique(kinds, items, listPath, what: "benchmark") { $0.rawValue }
            e.benchmarks = kinds
        }
        return e
    }

    func arm(_ node: Node, _ path: String) throws -> Arm {
        let text = try context.text(node, path, expected: "an arm name (\(Arm.allowedSpellings.joined(separator: ", ")))")
        switch Arm.parse(text) {
        case .success(let arm): return arm
        case .failure(let problem): throw context.error(.invalidValue, node, path, problem.message)
        }
    }

    func readArms(_ node: Node, _ path: String, judgeSets: [String: [JudgeSpec]]) throws -> [Arm] {
        let items = try context.list(node, path, of: "arms", count: 1...Int.max)
        let arms = try items.enumerated().map { i, item in try arm(item, "\(path)[\(i)]") }
        try context.requireUnique(arms, items, path, what: "arm") { quotedName($0.name) }
        let names = judgeSets.keys.sorted()
        for (i, arm) in arms.enumerated() {
            guard let set = arm.judgeSet, judgeSets[set] == nil else { continue }
            var message = "unknown judge set \(quotedName(set))"
            if let suggestion = EditDistance.suggestion(for: set, among: names) { message += "; did you mean \"\(Arm.judgeSetPrefix)\(suggestion)\"?" }
            message += names.isEmpty ? " (synthesis.judge_sets declares none)" : " (synthesis.judge_sets declares: \(names.joined(separator: ", ")))"
            throw context.error(.inconsistent, items[i], "\(path)[\(i)]", message)
        }
        return arms
    }

    func readSweep(_ node: Node, _ path: String, arms: [Arm]) throws -> SweepSpec {
        let f = try Fields(node, path: path, allowed: ["arm", "general_shares"], context: context,
                           what: "a mapping with arm and general_shares")
        let mixArms = arms.filter(\.isMix).map(\.name)
        let mixArmsText = mixArms.isEmpty ? "the arms list has none" : "arms listed: \(mixArms.joined(separator: ", "))"
        let armNode = try f.required("arm", "one of the mix arms (\(mixArmsText))")
        let sweptArm = try arm(armNode, f.path("arm"))
        guard sweptArm.isMix else {
            throw context.error(.invalidValue, armNode, f.path("arm"),
                                "only a mix arm can be swept (\(mixArmsText)), found \(quotedName(sweptArm.name))")
        }
        guard arms.contains(sweptArm) else {
            var message = "the swept arm must be one of the experiment's arms (mix \(mixArmsText)), found \(quotedName(sweptArm.name))"
            if let suggestion = EditDistance.suggestion(for: sweptArm.name, among: mixArms) { message += "; did you mean \"\(suggestion)\"?" }
            throw context.error(.inconsistent, armNode, f.path("arm"), message)
        }
        let sharesPath = f.path("general_shares")
        let sharesNode = try f.required("general_shares", "a list of 1...20 general shares, each in (0, 1)")
        let items = try context.list(sharesNode, sharesPath, of: "general shares in (0, 1)", count: 1...20)
        let shares = try items.enumerated().map { i, item in try context.number(item, "\(sharesPath)[\(i)]", in: .open(0, 1)) }
        try context.requireUnique(shares, items, sharesPath, what: "share") { Bounds.format($0) }
        // Sweep points are named to 2 decimals; two shares with one name would collide in the store.
        var byName: [String: Int] = [:]
        for (i, share) in shares.enumerated() {
            let name = SweepSpec.pointName(arm: sweptArm, share: share)
            if let earlier = byName[name] {
                throw context.error(.duplicate, items[i], "\(sharesPath)[\(i)]",
                                    "share \(Bounds.format(share)) and \(sharesPath)[\(earlier)] (\(Bounds.format(shares[earlier]))) both name the arm \"\(name)\" "
                                    + "(sweep points are named to 2 decimals); give shares that differ at the second decimal")
            }
            byName[name] = i
        }
        return SweepSpec(arm: sweptArm, generalShares: shares)
    }
}
