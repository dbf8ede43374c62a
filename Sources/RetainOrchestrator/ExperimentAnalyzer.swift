import Foundation
import RetainAnalysis
import RetainCore
import RetainStages
import RetainStore

/// Builds an `ExperimentAnalysis` from what the store holds for one experiment: per-item
/// predictions paired with the instruct model's, per arm, seed, benchmark and variant.
public enum ExperimentAnalyzer {
    public struct Options: Sendable {
        public var resamples = 2000
        /// Root of every bootstrap seed (each comparison derives its own from its coordinates).
        public var bootstrapSeed: UInt64 = 2_506_094_28
        /// Forgotten items kept per arm (the report shows fewer).
        public var forgottenPerArm = 200
        /// The reference arm every other arm is compared with.
        public var reference = "instruct"
        /// Power, α and MDE targets of the paired key comparisons.
        public var paired = PairedOptions()
        public init() {}
    }

    public enum Failure: Error, CustomStringConvertible {
        case noExperiment(String, available: [String])
        case noResults(String)
        public var description: String {
            switch self {
            case let .noExperiment(name, available):
                return "no experiment \"\(name)\" in the store (it has: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
            case let .noResults(name): return "experiment \"\(name)\" has no evaluation results yet; run it first"
            }
        }
    }

    struct ArmConfig: Decodable { var arm: String; var generalShare: Double? }
    struct Key: Hashable { var benchmark: String; var itemID: String; var variant: BenchmarkVariant }

    /// Analyses one stored experiment.
    ///
    /// - Parameter itemOutcomes: when given, receives every per-item record the analysis pairs:
    ///   the reference model's once per benchmark and variant (seed nil; the first seed's run, the
    ///   one `instruct` scores come from) and each other arm's per seed, benchmark and variant (for
    ///   `retain gate --pin` and the gate's per-item check).
    public static func analyze(experiment name: String, store: ExperimentStore, environment: (any ExperimentEnvironment)?,
                               preset: String? = nil, options: Options = Options(),
                               itemOutcomes: ((ItemOutcomeRecord) -> Void)? = nil) throws -> ExperimentAnalysis {
        guard let experiment = try store.experiment(named: name) else {
            throw Failure.noExperiment(name, available: try store.experiments().map(\.name))
        }
        let armRecords = try store.arms(experimentID: experiment.id)
        let seeds = try store.seeds(experimentID: experiment.id)
        let links = try store.armResults(experimentID: experiment.id)
        guard !links.isEmpty else { throw Failure.noResults(name) }

        // Benchmarks, their items and effective choice counts.
        var benchmarkOrder: [(String, BenchmarkKind)] = []
        for l in links where !benchmarkOrder.contains(where: { $0.0 == l.benchmark }) { benchmarkOrder.append((l.benchmark, l.kind)) }
        benchmarkOrder.sort { ($0.1 == .general ? 0 : 1, $0.0) < ($1.1 == .general ? 0 : 1, $1.0) }
        var mcItems: [String: [String: MultipleChoiceItem]] = [:], genItems: [String: [String: GenerativeItem]] = [:]
        var choices: [String: [String: Int]] = [:]
        var infos: [BenchmarkInfo] = []
        let decoder = JSONDecoder()
        for (b, kind) in benchmarkOrder {
            for item in try store.benchmarkItems(benchmark: b) {
                let data = Data(item.payloadJSON.utf8)
                switch item.variant {
                case .mc: mcItems[b, default: [:]][item.itemID] = try decoder.decode(MultipleChoiceItem.self, from: data)
                case .gen: genItems[b, default: [:]][item.itemID] = try decoder.decode(GenerativeItem.self, from: data)
                }
            }
            var k = (try? environment?.benchmark(named: b).choicesPerFamily) ?? [:]
            for item in (mcItems[b] ?? [:]).values where k[item.family] == nil { k[item.family] = item.choices.count }
            choices[b] = k
            let mc = Array((mcItems[b] ?? [:]).values)
            let chance = mc.isEmpty ? 0 : mc.map { 1 / Double(k[$0.family] ?? $0.choices.count) }.reduce(0, +) / Double(mc.count)
            infos.append(BenchmarkInfo(name: b, kind: kind, items: mc.count, chance: chance))
        }

        // Predictions, loaded once per evaluation run.
        var predictionCache: [String: [Key: PredictionRecord]] = [:]
        func predictions(_ hash: String) throws -> [Key: PredictionRecord] {
            if let p = predictionCache[hash] { return p }
            var table: [Key: PredictionRecord] = [:]
            for p in try store.predictions(stage: hash) { table[Key(benchmark: p.benchmark, itemID: p.itemID, variant: p.variant)] = p }
            predictionCache[hash] = table
            return table
        }
        var link: [String: String] = [:]   // "arm|seed|benchmark" -> eval hash
        for l in links { link["\(l.arm)|\(l.seed)|\(l.benchmark)"] = l.evalHash }

        func outcomes(_ hash: String, benchmark: String, variant: MetricVariant) throws -> [ItemOutcome] {
            let table = try predictions(hash)
            let v: BenchmarkVariant = (variant == .mc || variant == .mcNorm) ? .mc : .gen
            return table.values.filter { $0.benchmark == benchmark && $0.variant == v }.sorted { $0.itemID < $1.itemID }.map { p in
                let family = (v == .mc ? mcItems[benchmark]?[p.itemID]?.family : genItems[benchmark]?[p.itemID]?.family) ?? "?"
                let correct = (variant == .mc || variant == .gen) ? p.correct : (p.correctNorm ?? false)
                return ItemOutcome(itemID: p.itemID, family: family, correct: correct)
            }
        }

        let armNames = armRecords.map(\.name)
        let noiseStages = try store.experimentStages(experimentID: experiment.id).filter { $0.kind == "evaluate-noise" }
        var comparisons: [ArmComparison] = []
        // Each comparison (its bootstrap is most of the analysis) is a pure function of its inputs,
        // so they run concurrently and are gathered in this loop's order.
        var jobs: [() throws -> ArmComparison] = []
        var instructScores: [InstructScore] = []
        // The paired key comparisons need the main variant's records whether or not a sink was given.
        var pairedRecords: [ItemOutcomeRecord] = []
        func record(_ r: ItemOutcomeRecord) {
            if r.variant == options.paired.variant { pairedRecords.append(r) }
            itemOutcomes?(r)
        }
        for (b, _) in benchmarkOrder {
            for variant in MetricVariant.allCases {
                let reference = try seeds.compactMap { s in try link["\(options.reference)|\(s)|\(b)"].map { try outcomes($0, benchmark: b, variant: variant) } }
                if let first = reference.first, !first.isEmpty {
                    let accuracy = Double(first.filter(\.correct).count) / Double(first.count)
                    let noise = try noiseFloor(first, accuracy: accuracy, benchmark: b, variant: variant, stages: noiseStages,
                                               seed: options.bootstrapSeed, outcomes: outcomes)
                    instructScores.append(InstructScore(benchmark: b, variant: variant, accuracy: accuracy, noise: noise))
                    record(ItemOutcomeRecord(arm: options.reference, seed: nil, benchmark: b, variant: variant, outcomes: first))
                }
                for arm in armNames where arm != options.reference {
                    for s in seeds {
                        guard let before = link["\(options.reference)|\(s)|\(b)"], let after = link["\(arm)|\(s)|\(b)"] else { continue }
                        let (beforeOutcomes, afterOutcomes) = (try outcomes(before, benchmark: b, variant: variant),
                                                               try outcomes(after, benchmark: b, variant: variant))
                        let seedValue = Int(truncatingIfNeeded: s), k = ChoiceCount.perFamily(choices[b] ?? [:])
                        record(ItemOutcomeRecord(arm: arm, seed: seedValue, benchmark: b, variant: variant, outcomes: afterOutcomes))
                        let bootSeed = StageSeed.derive(options.bootstrapSeed, "bootstrap|\(arm)|\(b)|\(variant.rawValue)", seedValue)
                        let resamples = options.resamples
                        jobs.append {
                            try compare(arm: arm, seed: seedValue, benchmark: b, variant: variant,
                                        before: beforeOutcomes, after: afterOutcomes, k: k,
                                        bootstrapSeed: bootSeed, resamples: resamples)
                        }
                    }
                }
            }
        }
        comparisons = applyingHolm(try runConcurrently(jobs))
        var aggregates: [SeedAggregate] = []
        var groups: [String: [ArmComparison]] = [:], groupOrder: [String] = []
        for c in comparisons {
            let key = "\(c.arm)|\(c.benchmark)|\(c.variant.rawValue)"
            if groups[key] == nil { groupOrder.append(key) }
            groups[key, default: []].append(c)
        }
        for key in groupOrder { aggregates += try SeedAggregate.summarize(groups[key]!) }

        var analysis = ExperimentAnalysis(experiment: name, preset: preset, arms: armNames, seeds: seeds, benchmarks: infos,
                                          instruct: instructScores, comparisons: comparisons, aggregates: aggregates)
        let stages = try store.experimentStages(experimentID: experiment.id)
        analysis.fidelity = try fidelity(stages: stages, store: store, environment: environment)
        analysis.formatDrift = try formatDrift(arms: armNames, seeds: seeds, benchmarks: benchmarkOrder.map(\.0), link: link, predictions: predictions)
        analysis.forgotten = try forgotten(arms: armNames, seeds: seeds, benchmarks: benchmarkOrder.map(\.0), link: link, reference: options.reference,
                                           predictions: predictions, mcItems: mcItems, genItems: genItems, limit: options.forgottenPerArm)
        analysis.sweep = try sweep(armRecords, comparisons: comparisons, infos: infos)
        analysis.stageTimes = try stageTimes(stages, store: store)
        analysis.trainingCompute = try trainingCompute(arms: armNames, stages, store: store)
        analysis.pairedOptions = options.paired
        analysis.keyComparisons = try KeyComparisons.build(arms: armNames, benchmarks: infos, records: pairedRecords, options: options.paired)
        analysis.findings = FindingRules.evaluate(analysis.keyComparisons, arms: armNames, options: options.paired)
        return analysis
    }

    /// The instruct model's run-to-run spread. Generative variants: its greedy accuracy and its
    /// accuracy with sampled answers at every replicate seed (the noise-floor evaluations).
    /// Multiple choice has no sampling (log-likelihood is deterministic), so its floor is the
    /// benchmark's own sampling noise: over 1000 seeded item resamples, the sd of the accuracy
    /// and the width of its central 95% interval (as `range`).
    static func noiseFloor(_ items: [ItemOutcome], accuracy: Double, benchmark: String, variant: MetricVariant,
                           stages: [ExperimentStageRecord], seed: UInt64,
                           outcomes: (String, String, MetricVariant) throws -> [ItemOutcome]) throws -> NoiseFloor? {
        switch variant {
        case .gen, .genStrict:
            var accuracies = [accuracy]
            for s in stages where s.role.hasSuffix("/" + benchmark) {
                let sampled = try outcomes(s.stageHash, benchmark, variant)
                if !sampled.isEmpty { accuracies.append(Double(sampled.filter(\.correct).count) / Double(sampled.count)) }
            }
            return accuracies.count > 1 ? try NoiseFloor(accuracies: accuracies) : nil
        case .mc, .mcNorm:
            var rng = WorldRandom(seed: StageSeed.derive(seed, "noise|\(benchmark)|\(variant.rawValue)"))
            let correct = items.map(\.correct)
            let accuracies = (0..<1000).map { _ in
                Double((0..<correct.count).filter { _ in correct[rng.int(below: correct.count)] }.count) / Double(correct.count)
            }.sorted()
            let summary = try SampleSummary(accuracies)
            return NoiseFloor(n: accuracies.count, mean: summary.mean, sd: summary.sd, range: accuracies[974] - accuracies[25])
        }
    }

    static func fidelity(stages: [ExperimentStageRecord], store: ExperimentStore, environment: (any ExperimentEnvironment)?) throws -> Fidelity? {
        guard let environment else { return nil }
        struct ReconstructionStats: Decodable { var sampled: Int; var kept: Int }
        var reconstructions: [Fidelity.Reconstruction] = []
        for s in stages where s.kind == "select" {
            guard let data = try store.dataset(hash: s.stageHash), let f = environment.fidelity(of: data) else { continue }
            let recon = try stages.first { $0.kind == "reconstruct" && $0.seed == s.seed }
                .flatMap { try store.stageRun(hash: $0.stageHash)?.statsJSON }
                .flatMap { try? JSONDecoder().decode(ReconstructionStats.self, from: Data($0.utf8)) }
            reconstructions.append(Fidelity.Reconstruction(recipe: s.role, seed: s.seed ?? 0, instructionsSampled: recon?.sampled ?? 0,
                                                           instructionsKept: recon?.kept ?? data.count, validShare: f.validShare,
                                                           totalVariation: f.totalVariation, selectedCorrect: f.correct))
        }
        var publicSets: [Fidelity.SetDistance] = []
        for name in environment.publicSetNames {
            if let set = try? environment.publicSet(named: name), let f = environment.fidelity(of: set) {
                publicSets.append(Fidelity.SetDistance(name: name, totalVariation: f.totalVariation, correct: f.correct))
            }
        }
        if let original = try? environment.originalSet(), let f = environment.fidelity(of: original) {
            publicSets.append(Fidelity.SetDistance(name: "original", totalVariation: f.totalVariation, correct: f.correct))
        }
        return reconstructions.isEmpty && publicSets.isEmpty ? nil : Fidelity(reconstructions: reconstructions, publicSets: publicSets)
    }

    static func formatDrift(arms: [String], seeds: [UInt64], benchmarks: [String], link: [String: String],
                            predictions: (String) throws -> [Key: PredictionRecord]) throws -> [FormatDrift] {
        var out: [FormatDrift] = []
        for arm in arms {
            for b in benchmarks {
                var disagreement: [Double] = [], gap: [Double] = []
                for s in seeds {
                    guard let hash = link["\(arm)|\(s)|\(b)"] else { continue }
                    let table = try predictions(hash)
                    let gen = table.values.filter { $0.benchmark == b && $0.variant == .gen }
                    guard !gen.isEmpty else { continue }
                    let paired = gen.compactMap { g in table[Key(benchmark: b, itemID: g.itemID, variant: .mc)].map { ($0.correct, g.correct) } }
                    if !paired.isEmpty { disagreement.append(Double(paired.filter { $0.0 != $0.1 }.count) / Double(paired.count)) }
                    gap.append(Double(gen.filter(\.correct).count - gen.filter { $0.correctNorm == true }.count) / Double(gen.count))
                }
                guard !gap.isEmpty else { continue }
                out.append(FormatDrift(arm: arm, benchmark: b, mcGenDisagreement: mean(disagreement), strictGap: mean(gap)))
            }
        }
        return out
    }

    static func forgotten(arms: [String], seeds: [UInt64], benchmarks: [String], link: [String: String], reference: String,
                          predictions: (String) throws -> [Key: PredictionRecord],
                          mcItems: [String: [String: MultipleChoiceItem]], genItems: [String: [String: GenerativeItem]],
                          limit: Int) throws -> [ForgottenItem] {
        let decoder = JSONDecoder()
        func output(_ p: PredictionRecord) -> String {
            let data = Data(p.outputJSON.utf8)
            switch p.variant {
            case .mc:
                guard let m = try? decoder.decode(MultipleChoicePrediction.self, from: data) else { return "" }
                return mcItems[p.benchmark]?[p.itemID].map { $0.choices.indices.contains(m.chosen) ? $0.choices[m.chosen] : "" } ?? ""
            case .gen:
                return (try? decoder.decode(GenerativePrediction.self, from: data))?.output ?? ""
            }
        }
        var out: [ForgottenItem] = []
        for arm in arms where arm != reference {
            var count = 0
            for s in seeds {
                for b in benchmarks {
                    guard let beforeHash = link["\(reference)|\(s)|\(b)"], let afterHash = link["\(arm)|\(s)|\(b)"] else { continue }
                    let before = try predictions(beforeHash), after = try predictions(afterHash)
                    for key in before.keys.sorted(by: { ($0.variant.rawValue, $0.itemID) < ($1.variant.rawValue, $1.itemID) }) where key.benchmark == b {
                        guard count < limit, let p0 = before[key], let p1 = after[key], p0.correct, !p1.correct else { continue }
                        let (question, answer, family): (String, String, String)
                        if key.variant == .mc, let item = mcItems[b]?[key.itemID] {
                            (question, answer, family) = (item.question, item.choices[item.answerIndex], item.family)
                        } else if let item = genItems[b]?[key.itemID] {
                            (question, answer, family) = (item.question, item.answer, item.family)
                        } else { continue }
                        out.append(ForgottenItem(arm: arm, seed: s, benchmark: b, variant: key.variant == .mc ? .mc : .gen, itemID: key.itemID,
                                                 family: family, question: question, answer: answer, before: output(p0), after: output(p1)))
                        count += 1
                    }
                }
            }
        }
        return out
    }

    static func sweep(_ arms: [ArmRecord], comparisons: [ArmComparison], infos: [BenchmarkInfo]) throws -> [SweepPoint] {
        let configs = arms.compactMap { a in (try? JSONDecoder().decode(ArmConfig.self, from: Data(a.configJSON.utf8))).map { (a.name, $0) } }
        let byBase = Dictionary(grouping: configs, by: { $0.1.arm })
        var out: [SweepPoint] = []
        for (base, members) in byBase.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            for (name, config) in members {
                guard let share = config.generalShare else { continue }
                func delta(_ kind: BenchmarkKind) throws -> SampleSummary? {
                    let names = Set(infos.filter { $0.kind == kind }.map(\.name))
                    let rows = comparisons.filter { $0.arm == name && $0.variant == .mc && $0.family == nil && names.contains($0.benchmark) }
                    let perSeed = Dictionary(grouping: rows, by: \.seed).sorted { $0.key < $1.key }.map { mean($0.value.map(\.delta)) }
                    return perSeed.isEmpty ? nil : try SampleSummary(perSeed)
                }
                if let g = try delta(.general), let d = try delta(.domain) {
                    out.append(SweepPoint(arm: base, generalShare: share, generalDelta: g, domainDelta: d))
                }
            }
        }
        return out.sorted { ($0.arm, $0.generalShare) < ($1.arm, $1.generalShare) }
    }

    /// Per fine-tuned arm, the mean over seeds of its mix size and optimizer steps, from the
    /// train stages' stats (runs stored before they were recorded are skipped).
    static func trainingCompute(arms: [String], _ stages: [ExperimentStageRecord], store: ExperimentStore) throws -> [TrainingCompute] {
        var byArm: [String: [Orchestrator.TrainStats]] = [:]
        for s in stages where s.kind == "train" {
            guard let json = try store.stageRun(hash: s.stageHash)?.statsJSON,
                  let stats = try? JSONDecoder().decode(Orchestrator.TrainStats.self, from: Data(json.utf8)) else { continue }
            byArm[s.role, default: []].append(stats)
        }
        return arms.compactMap { arm in
            guard let runs = byArm[arm], !runs.isEmpty else { return nil }
            return TrainingCompute(arm: arm, seeds: runs.count, conversations: mean(runs.map { Double($0.conversations) }),
                                   steps: mean(runs.map { Double($0.steps) }))
        }
    }

    static func stageTimes(_ stages: [ExperimentStageRecord], store: ExperimentStore) throws -> [StageTime] {
        var seen = Set<String>(), order: [String] = [], runs: [String: Int] = [:], seconds: [String: Double] = [:]
        for s in stages where seen.insert(s.stageHash).inserted {
            guard let r = try store.stageRun(hash: s.stageHash), r.status == .done else { continue }
            if runs[s.kind] == nil { order.append(s.kind) }
            runs[s.kind, default: 0] += 1
            seconds[s.kind, default: 0] += r.wallSeconds ?? 0
        }
        return order.map { StageTime(kind: $0, runs: runs[$0]!, wallSeconds: seconds[$0]!) }
    }

    static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
}

/// Runs independent jobs on every core and returns their results in job order (so the output
/// does not depend on scheduling); the first error in job order is rethrown.
func runConcurrently<T>(_ jobs: [() throws -> T]) throws -> [T] {
    var results = [Result<T, Error>?](repeating: nil, count: jobs.count)
    let lock = NSLock()
    DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
        let r = Result { try jobs[i]() }
        lock.lock(); results[i] = r; lock.unlock()
    }
    return try results.map { try $0!.get() }
}
