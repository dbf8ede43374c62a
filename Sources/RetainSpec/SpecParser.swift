import Foundation
import RetainCore
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
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, yaml: yaml, file: file)
        }
        guard let root, !root.isNull else {
            throw SpecError(kind: .missingRequired, file: file, line: 1, column: 1, path: "",
                            message: "the spec is empty; expected a mapping with at least the keys experiment and arms")
        }
        return try ExperimentReader(context: context).read(root)
    }

    /// Reads and parses the spec file at `path` (errors name the path as given).
    public static func load(path: String, knownModels: [String] = defaultKnownModels) throws -> ExperimentSpec {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SpecError(kind: .fileNotFound, file: path, line: nil, column: nil, path: "", message: "no such spec file")
        }
        guard !isDirectory.boolValue else {
            throw SpecError(kind: .fileNotFound, file: path, line: nil, column: nil, path: "", message: "is a directory, not a spec file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError(kind: .fileNotFound, file: path, line: nil, column: nil, path: "", message: "cannot read the spec file")
        }
        return try parse(yaml: decodeUTF8(data, file: path), file: path, knownModels: knownModels)
    }

    /// Decodes UTF-8, reporting the line and column of the first invalid byte.
    static func decodeUTF8(_ data: Data, file: String) throws -> String {
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var line = 1, column = 1, offset = 0
        var scalars = String.UnicodeScalarView()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                offset += scalar.utf8.count
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput:
                return String(scalars)
            case .error:
                throw SpecError(kind: .notUTF8, file: file, line: line, column: column, path: "",
                                message: "the spec file is not valid UTF-8 (invalid byte near byte offset \(offset))")
            }
        }
    }

    /// Turns a Yams/libyaml error into a positioned `SpecError`.
    static func syntaxError(_ error: YamlError, yaml: String, file: String) -> SpecError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "YAML syntax error: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return SpecError(kind: .syntax, file: file, line: mark.line, column: mark.column, path: "", message: message)
        case .reader(let problem, let offset, _, _):
            var line = 1, column = 1
            if let offset {
                for character in yaml.prefix(offset) {
                    if character == "\n" || character == "\r\n" { line += 1; column = 1 } else { column += 1 }
                }
            }
            return SpecError(kind: .syntax, file: file, line: line, column: column, path: "", message: "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams reports the first occurrence of the (alphabetically) first duplicated key;
            // point at its repeat and name its path when the block layout makes that possible.
            let key = duplicates.first ?? ""
            let first = context.mark
            if let (line, column, path) = DuplicateKeyLocator(yaml: yaml).locate(key: key, line: first.line, column: first.column) {
                return SpecError(kind: .duplicate, file: file, line: line, column: column, path: path,
                                 message: "duplicate key (first given at line \(first.line)); each key may appear once in a mapping")
            }
            let keys = duplicates.map { SpecNames.quoted($0) }.joined(separator: ", ")
            return SpecError(kind: .duplicate, file: file, line: first.line, column: first.column, path: "",
                             message: "duplicate key \(keys) in one mapping; each key may appear once")
        default:
            return SpecError(kind: .syntax, file: file, line: 1, column: 1, path: "", message: "YAML error: \(error)")
        }
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
                                "expected a name matching \(SpecNames.namePattern), found \(SpecNames.quoted(name))")
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
        spec.arms = try readArms(armsNode, "arms")
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
        return s
    }

    /// A model name that must be one of `allowed`.
    func model(_ node: Node, _ path: String, allowed: [String], what: String) throws -> String {
        let name = try context.text(node, path, expected: "a model name (one of \(allowed.joined(separator: ", ")))")
        guard allowed.contains(name) else {
            var message = "unknown \(what) \(SpecNames.quoted(name))"
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
        try context.requireUnique(names, items, path, what: "generator") { SpecNames.quoted($0) }
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
                throw context.error(.invalidValue, modelNode, f.path("model"),
                                    "a verifier judge takes no model (it checks answers against the world's ground truth), found \(context.describe(modelNode))")
            }
            judges.append(judge)
        }
        try context.requireUnique(judges, items, path, what: "judge") { "{\($0.description)}" }
        return judges
    }

    func readMix(_ node: Node, _ path: String) throws -> MixSpec {
        let f = try Fields(node, path: path, allowed: ["general_share", "total"], context: context, what: "a mapping with general_share and total")
        var mix = MixSpec()
        if let n = f.value("general_share") { mix.generalShare = try context.number(n, f.path("general_share"), in: .open(0, 1)) }
        if let n = f.value("total") { mix.total = try context.integer(n, f.path("total"), in: 1...Int.max, rangeText: ">= 1") }
        return mix
    }

    func readTraining(_ node: Node, _ path: String) throws -> TrainingSpec {
        let f = try Fields(node, path: path, allowed: ["epochs", "learning_rate", "batch_size", "warmup_fraction", "user_token_weight"],
                           context: context, what: "a mapping of training settings")
        var t = TrainingSpec()
        if let n = f.value("epochs") { t.epochs = try context.number(n, f.path("epochs"), in: .openClosed(0, 100)) }
        if let n = f.value("learning_rate") { t.learningRate = try context.number(n, f.path("learning_rate"), in: .openClosed(0, 1)) }
        if let n = f.value("batch_size") { t.batchSize = try context.integer(n, f.path("batch_size"), in: 1...1024) }
        if let n = f.value("warmup_fraction") { t.warmupFraction = try context.number(n, f.path("warmup_fraction"), in: .closedOpen(0, 1)) }
        if let n = f.value("user_token_weight") { t.userTokenWeight = try context.number(n, f.path("user_token_weight"), in: .closed(0, 1)) }
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

    func readArms(_ node: Node, _ path: String) throws -> [Arm] {
        let items = try context.list(node, path, of: "arms", count: 1...Int.max)
        let arms = try items.enumerated().map { i, item in try arm(item, "\(path)[\(i)]") }
        try context.requireUnique(arms, items, path, what: "arm") { SpecNames.quoted($0.name) }
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
                                "only a mix arm can be swept (\(mixArmsText)), found \(SpecNames.quoted(sweptArm.name))")
        }
        guard arms.contains(sweptArm) else {
            var message = "the swept arm must be one of the experiment's arms (mix \(mixArmsText)), found \(SpecNames.quoted(sweptArm.name))"
            if let suggestion = EditDistance.suggestion(for: sweptArm.name, among: mixArms) { message += "; did you mean \"\(suggestion)\"?" }
            throw context.error(.inconsistent, armNode, f.path("arm"), message)
        }
        let sharesPath = f.path("general_shares")
        let sharesNode = try f.required("general_shares", "a list of 1...20 general shares, each in (0, 1)")
        let items = try context.list(sharesNode, sharesPath, of: "general shares in (0, 1)", count: 1...20)
        let shares = try items.enumerated().map { i, item in try context.number(item, "\(sharesPath)[\(i)]", in: .open(0, 1)) }
        try context.requireUnique(shares, items, sharesPath, what: "share") { Bounds.format($0) }
        return SweepSpec(arm: sweptArm, generalShares: shares)
    }
}

/// Best-effort location of a repeated key in block-style YAML: the line and column of the second
/// occurrence and the key's field path, found from indentation. Nil for layouts it cannot follow
/// (flow mappings, quoted or complex keys); the caller then reports the first occurrence.
struct DuplicateKeyLocator {
    let lines: [Substring]

    init(yaml: String) {
        lines = yaml.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    private func indent(_ line: Substring) -> Int { line.prefix(while: { $0 == " " }).count }

    private func isBlank(_ line: Substring) -> Bool {
        let rest = line.drop(while: { $0 == " " || $0 == "\t" })
        return rest.isEmpty || rest.hasPrefix("#")
    }

    /// The key a `key: value` text starts with, if it is a plain key.
    private func leadingKey(_ text: Substring) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let key = text[..<colon]
        let after = text[text.index(after: colon)...]
        guard !key.isEmpty, after.isEmpty || after.first == " " || after.first == "\t",
              !key.contains(where: { "\"'{}[],#&*!|>%@`".contains($0) }) else { return nil }
        return key.trimmingCharacters(in: .whitespaces)
    }

    /// Whether line `number` (1-based) has `key` as a plain mapping key at `column` (1-based).
    private func hasKey(_ key: String, line number: Int, column: Int) -> Bool {
        guard number >= 1, number <= lines.count else { return false }
        let line = lines[number - 1]
        guard line.count >= column else { return false }
        return leadingKey(line.dropFirst(column - 1)) == key
    }

    func locate(key: String, line firstLine: Int, column: Int) -> (Int, Int, String)? {
        guard hasKey(key, line: firstLine, column: column) else { return nil }
        // The repeat: the next line with the key at the same column, before the block ends.
        var repeatLine: Int?
        var number = firstLine + 1
        while number <= lines.count {
            let line = lines[number - 1]
            if !isBlank(line) {
                if indent(line) < column - 1 { break }
                if indent(line) == column - 1 && hasKey(key, line: number, column: column) { repeatLine = number; break }
            }
            number += 1
        }
        guard let repeatLine else { return nil }
        return (repeatLine, column, path(key: key, line: firstLine, column: column) ?? "")
    }

    /// The column (0-based) and name of the plain key a line holds, after any "- " item markers.
    private func keyOnLine(_ number: Int) -> (column: Int, name: String)? {
        guard number >= 1, number <= lines.count else { return nil }
        let line = lines[number - 1]
        var column = indent(line)
        var rest = line.dropFirst(column)
        while rest.hasPrefix("- ") {
            let afterDash = rest.dropFirst().drop(while: { $0 == " " })
            column += rest.count - afterDash.count
            rest = afterDash
        }
        guard let name = leadingKey(rest) else { return nil }
        return (column, name)
    }

    /// The column (0-based) of the item dash just before the key at `column` on line `number`,
    /// when that key opens a sequence item ("- kind: x").
    private func itemDash(line number: Int, keyColumn: Int) -> Int? {
        let line = lines[number - 1]
        let before = line.prefix(keyColumn)
        guard let dash = before.lastIndex(of: "-"),
              before.allSatisfy({ $0 == " " || $0 == "-" }) else { return nil }
        return before.distance(from: before.startIndex, to: dash)
    }

    /// The field path of the key at (`line`, `column`), walking up through less-indented parents.
    private func path(key: String, line: Int, column: Int) -> String? {
        var components = [key]          // leaf first
        var current = line
        var keyColumn = column - 1
        while true {
            if let dash = itemDash(line: current, keyColumn: keyColumn) {
                // The key opens a sequence item: count the items before it back to the parent key.
                var index = 0
                var number = current - 1
                while number >= 1 {
                    let text = lines[number - 1]
                    if !isBlank(text) {
                        let ind = indent(text)
                        if ind == dash && text.dropFirst(ind).hasPrefix("-") { index += 1 }
                        else if ind <= dash { break }
                    }
                    number -= 1
                }
                guard let parent = keyOnLine(number), parent.column <= dash else { return nil }
                components.append("\(parent.name)[\(index)]")
                current = number
                keyColumn = parent.column
                continue
            }
            if keyColumn == 0 { break }
            // The nearest earlier line indented less than the key holds its parent.
            var number = current - 1
            while number >= 1 {
                let text = lines[number - 1]
                if !isBlank(text) && indent(text) < keyColumn { break }
                number -= 1
            }
            guard let parent = keyOnLine(number) else { return nil }
            if parent.column == keyColumn {
                // A sibling that opens the same sequence item ("- kind: x" above "  model: y").
                current = number
                continue
            }
            guard parent.column < keyColumn else { return nil }
            components.append(parent.name)
            current = number
            keyColumn = parent.column
        }
        return components.reversed().joined(separator: ".")
    }
}
