import Foundation
import RetainCore
import RetainSpec
import RetainStages
import RetainStore

/// Code versions of the stages: bump one when its code changes what it produces, and every stored
/// run of that stage (and everything downstream, through the input hashes) is redone.
public enum StageVersion {
    public static let reconstruct = 1, generate = 1, judge = 1, select = 1, mix = 2, train = 1, evaluate = 1
}

/// Expands an experiment spec into a graph of stage runs and runs what the store does not have.
///
/// Per replicate seed: reconstruct instructions → generate responses (per generator) → judge →
/// select → mix with the domain set → fine-tune → evaluate on every benchmark. Every node is keyed
/// by a content hash of its kind, code version, configuration and input keys; nodes are evaluated
/// on demand, so a rerun that finds every evaluation stored loads nothing and trains nothing.
public final class Orchestrator {
    public let spec: ExperimentSpec
    let specText: String
    let environment: any ExperimentEnvironment
    let store: ExperimentStore
    let modelsDirectory: String
    let progress: ProgressReporter
    let log: (String) -> Void
    let runner: StageRunner
    private var nodes: [String: AnyObject] = [:]
    private var modelIdentifiers: [String: String] = [:]
    private var usedStages: [ExperimentStageRecord] = []
    private var usedRoles: Set<String> = []

    /// Records a stage under a role once (the store keeps one row per stage and role).
    func used(_ hash: String, kind: String, role: String, seed: UInt64?) {
        guard usedRoles.insert(hash + "|" + role).inserted else { return }
        usedStages.append(ExperimentStageRecord(stageHash: hash, kind: kind, role: role, seed: seed))
    }

    public init(spec: ExperimentSpec, specText: String, environment: any ExperimentEnvironment, store: ExperimentStore,
                modelsDirectory: String, progress: ProgressReporter = ProgressReporter(), log: @escaping (String) -> Void = { print($0) }) {
        self.spec = spec; self.specText = specText; self.environment = environment; self.store = store
        self.modelsDirectory = modelsDirectory; self.progress = progress; self.log = log
        runner = StageRunner(store: store, log: log)
    }

    /// One arm as run: the spec's arm, or a sweep point (an arm at another general share).
    public struct ArmRun: Hashable, Sendable {
        public var arm: Arm
        public var generalShare: Double?
        public var name: String { generalShare.map { SweepSpec.pointName(arm: arm, share: $0) } ?? arm.name }
    }

    public var armRuns: [ArmRun] {
        var runs = spec.arms.map { ArmRun(arm: $0, generalShare: nil) }
        if let sweep = spec.sweep {
            runs += sweep.generalShares.map { ArmRun(arm: sweep.arm, generalShare: $0) }
        }
        return runs
    }

    /// Runs every arm × seed × benchmark; returns what each stage did.
    @discardableResult
    public func run() throws -> [StageReport] {
        let experimentID = try store.upsertExperiment(name: spec.experiment, specHash: ContentHash.of(spec), specText: specText)
        try store.setArms(experimentID: experimentID, armRuns.map { run in
            (name: run.name, configJSON: (try? StageRunner.json(ArmConfig(arm: run.arm.name, generalShare: run.generalShare ?? (run.arm.isMix ? spec.mix.generalShare : nil)))) ?? "{}")
        })
        try store.setSeeds(experimentID: experimentID, spec.seeds)
        var benchmarks: [BenchmarkData] = []
        for kind in spec.evaluation.benchmarks {
            let b = try environment.benchmark(named: kind.rawValue)
            try store.upsertBenchmarkItems(benchmarkItems(b))
            benchmarks.append(b)
        }
        for seed in spec.seeds {
            for run in armRuns {
                let model = try armModel(run, seed: seed)
                for b in benchmarks {
                    let hash = try evaluate(model, on: b, label: "[seed \(seed)] \(run.name) \(b.name)")
                    used(hash, kind: "evaluate", role: "\(run.name)/\(b.name)", seed: seed)
                    if run.arm == .instruct {
                        // The noise floor: the instruct model's generative answers sampled with this seed.
                        let noise = try evaluate(model, on: b, label: "[seed \(seed)] instruct \(b.name) sampled", sampling: noiseSampling(seed))
                        used(noise, kind: "evaluate-noise", role: "\(run.name)/\(b.name)", seed: seed)
                    }
                    try store.linkArmResult(experimentID: experimentID, ArmResultRecord(arm: run.name, seed: seed, benchmark: b.name,
                                                                                        kind: b.kind, evalHash: hash))
                }
            }
            // Every judge set's selection is measured (the fidelity table), also a set no arm trains on.
            for name in spec.synthesis.judgeSets.keys.sorted() {
                let n = try selection(seed: seed, recipe: .judgeSet(name))
                if try !runner.isDone(n.hash) { _ = try n.value() }
            }
        }
        // Nodes whose output was never needed (or that store nothing, like judging without
        // judges) have no stage run to link.
        try store.setExperimentStages(experimentID: experimentID, try usedStages.filter { try store.stageRun(hash: $0.stageHash) != nil })
        return runner.reports
    }

    struct ArmConfig: Encodable { var arm: String; var generalShare: Double? }

    /// What results depend on beyond their inputs (not the thread count: on the portable numerics
    /// results do not depend on it, so a store made with 2 threads is reused with 8).
    var numericsKey: String { environment.numericsKey }

    func modelIdentifier(_ name: String) throws -> String {
        if let id = modelIdentifiers[name] { return id }
        let id = try environment.model(named: name).identifier
        modelIdentifiers[name] = id
        return id
    }

    /// The node for `hash`, created once; every node is recorded as used by the experiment, under
    /// every role it is asked for (a judge set with the synthesis judges shares reconstructed-mix's
    /// judge and select stages, and the fidelity table shows it under both names).
    func node<T>(_ hash: String, kind: String, role: String, seed: UInt64?, _ make: () -> StageNode<T>) -> StageNode<T> {
        used(hash, kind: kind, role: role, seed: seed)
        if let n = nodes[hash] as? StageNode<T> { return n }
        let n = make()
        nodes[hash] = n
        return n
    }

    func task(_ label: String, total: Int) -> (ProgressTask, ProgressCallback) {
        let t = progress.task(label, total: total)
        return (t, { t.update($0) })
    }

    // MARK: - Synthesis

    func reconstruction(seed: UInt64) throws -> StageNode<[String]> {
        let s = spec.synthesis
        let config = InstructionReconstruction.Config(count: s.instructions, temperature: s.temperature, topP: s.topP, maxTokens: s.maxTokens,
                                                      dedupThreshold: s.dedupThreshold, minChars: s.minChars, maxChars: s.maxChars, seed: seed)
        let inputs = [try modelIdentifier(environment.instructModelName), numericsKey]
        let hash = try StageRunner.hash(kind: "reconstruct", version: StageVersion.reconstruct, config: config, inputs: inputs)
        let label = "[seed \(seed)] reconstruct \(s.instructions) instructions"
        return node(hash, kind: "reconstruct", role: "instructions", seed: seed) { StageNode(hash: hash) { [self] in
            try runner.run(kind: "reconstruct", label: label, version: StageVersion.reconstruct, config: config, inputs: inputs, hash: hash,
                           load: { try self.store.instructions(stage: $0) },
                           prepare: { try self.environment.model(named: self.environment.instructModelName) }) { model in
                let (t, callback) = task(label, total: config.count)
                let out = try InstructionReconstruction.run(model: model, config: config, progress: callback)
                t.finish()
                log("\(label): kept \(out.stats.kept) of \(out.stats.sampled) (empty \(out.stats.empty), unfinished \(out.stats.unfinished), short \(out.stats.tooShort), long \(out.stats.tooLong), exact dup \(out.stats.exactDuplicates), near dup \(out.stats.nearDuplicates))")
                return (out.instructions, try StageRunner.json(out.stats), { try $0.insertInstructions(out.instructions) })
            }
        } }
    }

    func generation(seed: UInt64, generator: String, responses: Int) throws -> StageNode<[[CandidateResponse]]> {
        let s = spec.synthesis
        let recon = try reconstruction(seed: seed)
        let config = ResponseGeneration.Config(responsesPerModel: responses, temperature: s.responseTemperature, topP: s.responseTopP,
                                               maxTokens: s.responseMaxTokens, seed: seed)
        let inputs = [recon.hash, generator, try modelIdentifier(generator), numericsKey]
        let hash = try StageRunner.hash(kind: "generate", version: StageVersion.generate, config: config, inputs: inputs)
        let label = "[seed \(seed)] generate \(generator) ×\(responses)"
        return node(hash, kind: "generate", role: "\(generator)×\(responses)", seed: seed) { StageNode(hash: hash) { [self] in
            let instructions = try recon.value()
            return try runner.run(kind: "generate", label: label, version: StageVersion.generate, config: config, inputs: inputs, hash: hash,
                                  load: { try self.storedCandidates(stage: $0, instructions: instructions.count) },
                                  prepare: { try self.environment.model(named: generator) }) { model in
                let (t, callback) = task(label, total: instructions.count * responses)
                let out = try ResponseGeneration.run(instructions: instructions, generators: [NamedModel(name: generator, model: model)],
                                                     config: config, progress: callback)
                t.finish()
                let flat = out.flatMap { $0 }
                let stats = GenerationStats(responses: flat.count, cutAtLimit: flat.filter { $0.finishReason == .length }.count,
                                            empty: flat.filter { $0.text.isEmpty }.count)
                return (out, try StageRunner.json(stats), { w in
                    try w.insertResponses(flat.map {
                        ResponseRecord(instructionIndex: $0.instructionIndex, responseIndex: $0.sampleIndex, generator: $0.generator,
                                       sampleIndex: $0.sampleIndex, text: $0.text, finishReason: $0.finishReason.rawValue)
                    })
                })
            }
        } }
    }

    struct GenerationStats: Encodable { var responses: Int; var cutAtLimit: Int; var empty: Int }

    func storedCandidates(stage: String, instructions: Int) throws -> [[CandidateResponse]]? {
        var out = Array(repeating: [CandidateResponse](), count: instructions)
        for r in try store.responses(stage: stage) {
            guard r.instructionIndex >= 0, r.instructionIndex < instructions,
                  let finish = Completion.FinishReason(rawValue: r.finishReason) else { return nil }
            out[r.instructionIndex].append(CandidateResponse(instructionIndex: r.instructionIndex, generator: r.generator,
                                                             sampleIndex: r.sampleIndex, text: r.text, finishReason: finish))
        }
        return out
    }

    /// The synthesis recipes: the method, the paper's two ablations, and the judge sets.
    enum Recipe: Hashable {
        /// Every generator × K responses, judged by `synthesis.judges`.
        case full
        /// The instruct model alone, one response, no judge.
        case oneResponse
        /// The instruct model alone, three responses, judged by itself.
        case selfJudged
        /// The responses of `full` (the same generation stages), judged by `synthesis.judge_sets[name]`.
        case judgeSet(String)

        /// The role of its judge and select stages: the recipe column of the fidelity table.
        var name: String {
            switch self {
            case .full: return "full"
            case .oneResponse: return "one-model-one-response"
            case .selfJudged: return "one-model-three-self-judged"
            case .judgeSet(let set): return Arm.judgeSetPrefix + set
            }
        }

        /// Whether it selects from every generator's K responses.
        var usesEveryGenerator: Bool {
            switch self {
            case .full, .judgeSet: return true
            case .oneResponse, .selfJudged: return false
            }
        }

        /// The recipe its selection config (and selected set) names: the candidate pool, not the
        /// committee, which the judge stage's hash (an input) already carries. So a judge set with
        /// the synthesis judges has reconstructed-mix's select stage, and everything downstream.
        var selectKey: String { usesEveryGenerator ? Recipe.full.name : name }
    }

    func judgeSpecs(_ recipe: Recipe) throws -> [JudgeSpec] {
        switch recipe {
        case .full: return spec.synthesis.judges
        case .oneResponse: return []
        case .selfJudged:
            // Self-judging uses the kind of the spec's first model-based judge (likelihood if none).
            let kind = spec.synthesis.judges.first { $0.kind.needsModel }?.kind ?? .likelihood
            return [JudgeSpec(kind: kind, model: environment.instructModelName)]
        case .judgeSet(let name):
            // The parser checks this; a spec built in code may not have been.
            guard let judges = spec.synthesis.judgeSets[name], !judges.isEmpty else {
                let known = spec.synthesis.judgeSets.keys.sorted()
                throw StageError.invalidInput("judge set \"\(name)\" is not a non-empty set of synthesis.judge_sets (declared: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            }
            return judges
        }
    }

    func makeJudge(_ j: JudgeSpec, seed: UInt64) throws -> any Judge {
        switch j.kind {
        case .likelihood: return LikelihoodJudge(name: j.description, model: try environment.model(named: j.model ?? ""))
        case .prompt: return PromptJudge(name: j.description, model: try environment.model(named: j.model ?? ""), seed: seed)
        case .check: return CheckJudge(name: j.description, model: try environment.model(named: j.model ?? ""), seed: seed)
        case .verifier: return try environment.verifierJudge()
        case .consensus: return ConsensusJudge(name: j.description, extractor: environment.answerExtractor)
        }
    }

    /// Judged candidates for a recipe (judging with no judges is an inline pass-through).
    func judged(seed: UInt64, recipe: Recipe) throws -> StageNode<[[JudgedCandidate]]> {
        let instruct = environment.instructModelName
        let gens: [StageNode<[[CandidateResponse]]>]
        switch recipe {
        case .full, .judgeSet: gens = try spec.synthesis.generators.map { try generation(seed: seed, generator: $0, responses: spec.synthesis.responsesPerModel) }
        case .oneResponse: gens = [try generation(seed: seed, generator: instruct, responses: 1)]
        case .selfJudged: gens = [try generation(seed: seed, generator: instruct, responses: 3)]
        }
        let recon = try reconstruction(seed: seed)
        let judges = try judgeSpecs(recipe).map { try makeJudge($0, seed: seed) }
        let config = JudgeConfig(judges: judges.map(\.identifier))
        let inputs = [recon.hash] + gens.map(\.hash) + [numericsKey]
        let hash = try StageRunner.hash(kind: "judge", version: StageVersion.judge, config: config, inputs: inputs)
        let label = "[seed \(seed)] judge \(recipe.name) (\(judges.map(\.name).joined(separator: ", ")))"
        return node(hash, kind: "judge", role: recipe.name, seed: seed) { StageNode(hash: hash) { [self] in
            let instructions = try recon.value()
            let candidates = try Self.merge(gens.map { try $0.value() })
            if judges.isEmpty { return try Judging.run(instructions: instructions, candidates: candidates, judges: []).candidates }
            return try runner.run(kind: "judge", label: label, version: StageVersion.judge, config: config, inputs: inputs, hash: hash,
                                  load: { try self.storedJudgments(stage: $0, candidates: candidates, judges: judges.map(\.name)) },
                                  prepare: {}) {
                let (t, callback) = task(label, total: candidates.joined().count * judges.count)
                let (out, stats) = try Judging.run(instructions: instructions, candidates: candidates, judges: judges, progress: callback)
                t.finish()
                var rows: [JudgmentRecord] = []
                for (i, group) in out.enumerated() {
                    for (r, c) in group.enumerated() {
                        for (judge, v) in zip(judges, c.verdicts) {
                            rows.append(JudgmentRecord(instructionIndex: i, responseIndex: r, judge: judge.name, score: v.score, raw: v.raw))
                        }
                    }
                }
                return (out, try StageRunner.json(stats), { try $0.insertJudgments(rows) })
            }
        } }
    }

    struct JudgeConfig: Encodable { var judges: [String] }

    /// Per instruction, the candidates of every generation run in generator order.
    static func merge(_ runs: [[[CandidateResponse]]]) throws -> [[CandidateResponse]] {
        guard let first = runs.first else { return [] }
        return first.indices.map { i in runs.flatMap { $0[i] } }
    }

    func storedJudgments(stage: String, candidates: [[CandidateResponse]], judges: [String]) throws -> [[JudgedCandidate]]? {
        var table: [String: JudgeVerdict] = [:]
        for j in try store.judgments(stage: stage) {
            table["\(j.instructionIndex)|\(j.responseIndex)|\(j.judge)"] = JudgeVerdict(score: j.score, raw: j.raw)
        }
        var out: [[JudgedCandidate]] = []
        for (i, group) in candidates.enumerated() {
            var row: [JudgedCandidate] = []
            for (r, c) in group.enumerated() {
                var verdicts: [JudgeVerdict] = []
                for name in judges {
                    guard let v = table["\(i)|\(r)|\(name)"] else { return nil }
                    verdicts.append(v)
                }
                row.append(JudgedCandidate(candidate: c, verdicts: verdicts, averageScore: Judging.average(verdicts)))
            }
            out.append(row)
        }
        return out
    }

    func selection(seed: UInt64, recipe: Recipe) throws -> StageNode<[Conversation]> {
        let judgedNode = try judged(seed: seed, recipe: recipe)
        let recon = try reconstruction(seed: seed)
        let generators = recipe.usesEveryGenerator ? spec.synthesis.generators : [environment.instructModelName]
        let config = SelectConfig(recipe: recipe.selectKey, minimumScore: recipe.usesEveryGenerator ? spec.synthesis.minScore : nil,
                                  generatorOrder: generators)
        let inputs = [judgedNode.hash]
        let hash = try StageRunner.hash(kind: "select", version: StageVersion.select, config: config, inputs: inputs)
        let label = "[seed \(seed)] select \(recipe.name)"
        return node(hash, kind: "select", role: recipe.name, seed: seed) { StageNode(hash: hash) { [self] in
            try runner.run(kind: "select", label: label, version: StageVersion.select, config: config, inputs: inputs, hash: hash,
                           load: { try self.store.dataset(hash: $0) },
                           prepare: { (try recon.value(), try judgedNode.value()) }) { instructions, judged in
                let (selected, stats) = Selection.run(instructions: instructions, judged: judged,
                                                      generatorOrder: generators, minimumScore: config.minimumScore)
                // Named by the config, not the recipe: the stored output is a function of the hash.
                let conversations = Selection.conversations(selected, source: "reconstructed:\(config.recipe)")
                let examples = try zip(conversations, selected).map { c, s in
                    DatasetExample(conversation: c, metaJSON: try StageRunner.json(SelectedMeta(generator: s.response.candidate.generator,
                                                                                                 sample: s.response.candidate.sampleIndex,
                                                                                                 score: s.response.averageScore)))
                }
                return (conversations, try StageRunner.json(stats), { try $0.insertDataset(hash: hash, name: "selected:\(config.recipe)", examples: examples) })
            }
        } }
    }

    struct SelectConfig: Encodable { var recipe: String; var minimumScore: Double?; var generatorOrder: [String] }
    struct SelectedMeta: Encodable { var generator: String; var sample: Int; var score: Double? }

    // MARK: - Mix, train, evaluate

    /// A general source: its key for hashes, and how to get it.
    struct Source {
        var key: String
        var load: () throws -> [Conversation]
    }

    func generalSource(_ arm: Arm, seed: UInt64) throws -> Source? {
        let env = "env:" + environment.identifier
        switch arm {
        case .instruct, .domainOnly, .domainOnlyRepeated: return nil
        case let .publicMix(name): return Source(key: env + ":public:" + name) { try self.environment.publicSet(named: name) }
        case .oracleReplay: return Source(key: env + ":original") { try self.environment.originalSet() }
        case .reconstructedMix, .oneModelOneResponse, .oneModelThreeSelfJudged, .judgeSet:
            let recipe: Recipe
            switch arm {
            case .oneModelOneResponse: recipe = .oneResponse
            case .oneModelThreeSelfJudged: recipe = .selfJudged
            case .judgeSet(let name): recipe = .judgeSet(name)
            default: recipe = .full
            }
            let n = try selection(seed: seed, recipe: recipe)
            return Source(key: "stage:" + n.hash) { try n.value() }
        }
    }

    func mix(_ run: ArmRun, seed: UInt64) throws -> StageNode<[Conversation]> {
        let general = try generalSource(run.arm, seed: seed)
        let config = Mixing.Config(generalShare: run.generalShare ?? spec.mix.generalShare, total: spec.mix.total, seed: seed,
                                   domainFillsTotal: run.arm == .domainOnlyRepeated, interleave: spec.mix.interleave)
        let inputs = ["env:\(environment.identifier):domain", general?.key ?? "none"]
        let hash = try StageRunner.hash(kind: "mix", version: StageVersion.mix, config: config, inputs: inputs)
        let label = "[seed \(seed)] mix \(run.name)"
        return node(hash, kind: "mix", role: run.name, seed: seed) { StageNode(hash: hash) { [self] in
            try runner.run(kind: "mix", label: label, version: StageVersion.mix, config: config, inputs: inputs, hash: hash,
                           load: { try self.store.dataset(hash: $0) },
                           prepare: { (try self.environment.domainSet(), try general?.load()) }) { domain, general in
                let (mix, stats) = try Mixing.run(domain: domain, general: general, config: config)
                return (mix, try StageRunner.json(stats), { try $0.insertDataset(hash: hash, name: "mix:\(run.name)", conversations: mix) })
            }
        } }
    }

    /// A model to evaluate: its key for hashes, and how to get it.
    struct ModelSource {
        var key: String
        var load: () throws -> any LanguageModel
    }

    func armModel(_ run: ArmRun, seed: UInt64) throws -> ModelSource {
        let instruct = environment.instructModelName
        if run.arm == .instruct {
            return ModelSource(key: try modelIdentifier(instruct)) { try self.environment.model(named: instruct) }
        }
        let mixNode = try mix(run, seed: seed)
        let settings = spec.training.fineTuneSettings(seed: seed)
        let inputs = [mixNode.hash, try modelIdentifier(instruct), environment.trainer.identifier, numericsKey]
        let hash = try StageRunner.hash(kind: "train", version: StageVersion.train, config: settings, inputs: inputs)
        let label = "[seed \(seed)] train \(run.name)"
        let directory = (modelsDirectory as NSString).appendingPathComponent(hash)
        let trainNode = node(hash, kind: "train", role: run.name, seed: seed) { StageNode<any LanguageModel>(hash: hash) { [self] in
            try runner.run(kind: "train", label: label, version: StageVersion.train, config: settings, inputs: inputs, hash: hash,
                           load: { h in
                               guard let record = try self.store.model(hash: h), let path = record.checkpointPath else { return nil }
                               return try? self.environment.trainer.load(from: path)
                           },
                           prepare: { (try mixNode.value(), try self.environment.model(named: instruct)) }) { data, base in
                var t: ProgressTask?
                var steps = 0
                let model = try FineTuning.run(trainer: environment.trainer, base: base, mix: data, settings: settings, directory: directory) { p in
                    if t == nil { t = self.progress.task(label, total: p.totalSteps) }
                    t?.update(p.step)
                    steps = p.totalSteps
                }
                t?.finish()
                let stats = try StageRunner.json(TrainStats(conversations: data.count, steps: steps))
                return (model, stats, { try $0.insertModel(ModelRecord(hash: hash, identifier: model.identifier, checkpointPath: directory, checkpointHash: nil)) })
            }
        } }
        return ModelSource(key: "stage:" + hash) { try trainNode.value() }
    }

    /// What a training run reports: its mix size and optimizer steps (the compute it got).
    public struct TrainStats: Codable, Sendable { public var conversations: Int; public var steps: Int }

    /// Sampling for the instruct model's noise-floor evaluations (generative items only).
    func noiseSampling(_ seed: UInt64) -> Evaluation.Sampling { Evaluation.Sampling(temperature: 0.7, topP: 0.95, seed: seed) }

    /// Evaluates a model on a benchmark unless stored; returns the evaluation's stage hash. With
    /// `sampling`, only the generative items are evaluated, sampled (a noise-floor run).
    func evaluate(_ model: ModelSource, on b: BenchmarkData, label: String, sampling: Evaluation.Sampling? = nil) throws -> String {
        let config = EvaluateConfig(benchmark: b.name, maxTokens: spec.evaluation.maxTokens, sampling: sampling)
        let inputs = [model.key, "env:" + environment.identifier, numericsKey]
        let hash = try StageRunner.hash(kind: "evaluate", version: StageVersion.evaluate, config: config, inputs: inputs)
        let label = "\(label): evaluate"
        let _: Bool = try runner.run(kind: "evaluate", label: label, version: StageVersion.evaluate, config: config, inputs: inputs, hash: hash,
                                     load: { _ in true }, prepare: { try model.load() }) { lm in
            let (t, callback) = task(label, total: (sampling == nil ? b.multipleChoice.count : 0) + b.generative.count)
            let out = try Evaluation.run(model: lm, multipleChoice: sampling == nil ? b.multipleChoice : [], generative: b.generative,
                                         checker: b.checker, maxTokens: config.maxTokens, sampling: sampling, progress: callback)
            t.finish()
            log(out.multipleChoice.isEmpty ? String(format: "%@: gen %.3f (strict %.3f)", label, out.genAccuracy, out.genStrictAccuracy)
                : String(format: "%@: mc %.3f (norm %.3f), gen %.3f (strict %.3f)", label, out.mcAccuracy, out.mcNormAccuracy, out.genAccuracy, out.genStrictAccuracy))
            let rows = try out.multipleChoice.map {
                PredictionRecord(benchmark: b.name, itemID: $0.itemID, variant: .mc, correct: $0.correct, correctNorm: $0.correctNorm,
                                 extracted: nil, outputJSON: try StageRunner.json($0))
            } + out.generative.map {
                PredictionRecord(benchmark: b.name, itemID: $0.itemID, variant: .gen, correct: $0.correct, correctNorm: $0.correctStrict,
                                 extracted: $0.extracted, outputJSON: try StageRunner.json($0))
            }
            let stats = EvaluateStats(mc: out.mcAccuracy, mcNorm: out.mcNormAccuracy, gen: out.genAccuracy, genStrict: out.genStrictAccuracy)
            return (true, try StageRunner.json(stats), { try $0.insertPredictions(rows) })
        }
        return hash
    }

    struct EvaluateConfig: Encodable { var benchmark: String; var maxTokens: Int; var sampling: Evaluation.Sampling? }
    struct EvaluateStats: Encodable { var mc: Double; var mcNorm: Double; var gen: Double; var genStrict: Double }

    func benchmarkItems(_ b: BenchmarkData) throws -> [BenchmarkItemRecord] {
        try b.multipleChoice.map {
            BenchmarkItemRecord(benchmark: b.name, itemID: $0.id, variant: .mc, kind: b.kind, family: $0.family, payloadJSON: try StageRunner.json($0))
        } + b.generative.map {
            BenchmarkItemRecord(benchmark: b.name, itemID: $0.id, variant: .gen, kind: b.kind, family: $0.family, payloadJSON: try StageRunner.json($0))
        }
    }
}
