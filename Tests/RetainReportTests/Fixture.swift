import Foundation
import RetainAnalysis
import RetainCore
import RetainReport

/// A realistic synthetic `ExperimentAnalysis`: generated per-item outcomes run through
/// RetainAnalysis's `compare`, `applyingHolm` and `SeedAggregate.summarize`, so every number in
/// the reports is a real computation. Deterministic (seeded `WorldRandom`).
enum Fixture {
    /// Strings that must come out of the HTML escaped.
    static let payloads = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "</textarea>", "&amp;",
                           "see http://evil.example/x.js"]

    struct Bench { var name: String; var kind: BenchmarkKind; var families: [String]; var k: Int; var instructP: Double }
    /// Per-item probabilities of 1→0 (forget) and 0→1 (learn) for an arm, by benchmark kind.
    struct Effect { var generalForget: Double; var generalLearn: Double; var domainForget: Double; var domainLearn: Double }

    static let defaultArms: [(String, Effect)] = [
        ("public-mix:publicA", Effect(generalForget: 0.14, generalLearn: 0.03, domainForget: 0.03, domainLearn: 0.32)),
        ("reconstructed-mix", Effect(generalForget: 0.04, generalLearn: 0.03, domainForget: 0.03, domainLearn: 0.28)),
    ]

    /// - Parameters:
    ///   - arms: fine-tuned arms (the instruct reference is added first) with their effects.
    ///   - payload: when set, injected into the experiment name, an arm name, a family name and
    ///     every question, answer and output of the forgotten items.
    static func analysis(arms: [(String, Effect)] = defaultArms, payload: String? = nil, itemsPerBenchmark: Int = 120) throws -> ExperimentAnalysis {
        let hostileArm = payload.map { "public-mix:" + $0 }
        let arms = arms.enumerated().map { i, a in (i == 0 && hostileArm != nil) ? (hostileArm!, a.1) : a }
        let benches = [
            Bench(name: "knowledge", kind: .general, families: ["capitals", payload.map { "dates " + $0 } ?? "dates"], k: 4, instructP: 0.70),
            Bench(name: "reasoning", kind: .general, families: ["arithmetic", "yes-no"], k: 4, instructP: 0.55),
            Bench(name: "medicine", kind: .domain, families: ["diagnosis", "dosage"], k: 4, instructP: 0.35),
        ]
        let seeds: [UInt64] = [1, 2]
        let variants: [MetricVariant] = [.mc, .gen]
        let root = WorldRandom(seed: 2506_09428)

        func items(_ b: Bench) -> [(id: String, family: String)] {
            (0..<itemsPerBenchmark).map { i in (String(format: "%@-%03d", b.name, i), b.families[i % b.families.count]) }
        }
        func instructOutcomes(_ b: Bench, _ v: MetricVariant) -> [ItemOutcome] {
            var rng = root.derived("instruct/\(b.name)/\(v.rawValue)")
            let p = v == .mc ? b.instructP : b.instructP - 0.08
            return items(b).map { ItemOutcome(itemID: $0.id, family: $0.family, correct: rng.chance(p)) }
        }
        func armOutcomes(_ before: [ItemOutcome], _ b: Bench, _ e: Effect, _ label: String) -> [ItemOutcome] {
            var rng = root.derived(label)
            let (forget, learn) = b.kind == .general ? (e.generalForget, e.generalLearn) : (e.domainForget, e.domainLearn)
            return before.map { o in
                ItemOutcome(itemID: o.itemID, family: o.family, correct: o.correct ? !rng.chance(forget) : rng.chance(learn))
            }
        }

        var instruct: [InstructScore] = []
        var before: [String: [ItemOutcome]] = [:]
        var records: [ItemOutcomeRecord] = []   // mc, for the paired key comparisons
        for b in benches {
            for v in variants {
                let outcomes = instructOutcomes(b, v)
                before["\(b.name)/\(v.rawValue)"] = outcomes
                if v == .mc { records.append(ItemOutcomeRecord(arm: "instruct", seed: nil, benchmark: b.name, variant: v, outcomes: outcomes)) }
                let acc = Double(outcomes.filter(\.correct).count) / Double(outcomes.count)
                instruct.append(InstructScore(benchmark: b.name, variant: v, accuracy: acc,
                                              noise: try NoiseFloor(accuracies: [acc - 0.004, acc, acc + 0.006])))
            }
        }

        var comparisons: [ArmComparison] = []
        var forgotten: [ForgottenItem] = []
        var drift: [FormatDrift] = []
        for (arm, effect) in arms {
            for b in benches {
                var disagreement: [Double] = []
                for seed in seeds {
                    var afterByVariant: [MetricVariant: [ItemOutcome]] = [:]
                    for v in variants {
                        let pre = before["\(b.name)/\(v.rawValue)"]!
                        let post = armOutcomes(pre, b, effect, "\(arm)/\(b.name)/\(v.rawValue)/\(seed)")
                        afterByVariant[v] = post
                        if v == .mc { records.append(ItemOutcomeRecord(arm: arm, seed: Int(seed), benchmark: b.name, variant: v, outcomes: post)) }
                        comparisons.append(try compare(arm: arm, seed: Int(seed), benchmark: b.name, variant: v, before: pre, after: post,
                                                       k: .uniform(b.k), bootstrapSeed: seed &* 7919 &+ 17, resamples: 400))
                        guard v == .mc, b.kind == .general else { continue }
                        for (x, y) in zip(pre, post) where x.correct && !y.correct {
                            forgotten.append(forgottenItem(arm: arm, seed: seed, bench: b.name, item: x, payload: payload))
                        }
                    }
                    let mc = afterByVariant[.mc]!, gen = afterByVariant[.gen]!
                    disagreement.append(Double(zip(mc, gen).filter { $0.correct != $1.correct }.count) / Double(mc.count))
                }
                drift.append(FormatDrift(arm: arm, benchmark: b.name, mcGenDisagreement: disagreement.reduce(0, +) / 2,
                                         strictGap: effect.generalForget / 4))
            }
        }
        comparisons = applyingHolm(comparisons)
        var aggregates: [SeedAggregate] = []
        for (arm, _) in arms {
            for b in benches {
                for v in variants {
                    aggregates += try SeedAggregate.summarize(comparisons.filter {
                        $0.arm == arm && $0.benchmark == b.name && $0.variant == v && $0.family == nil
                    })
                }
            }
        }

        let sweepArm = arms.last!.0
        var sweep: [SweepPoint] = []
        for share in [0.5, 0.67, 0.83] {
            let e = Effect(generalForget: 0.16 * (1 - share), generalLearn: 0.03, domainForget: 0.03, domainLearn: 0.5 * (1 - share) + 0.1)
            var general: [Double] = [], domain: [Double] = []
            for seed in seeds {
                func delta(_ b: Bench) throws -> Double {
                    let pre = before["\(b.name)/mc"]!
                    let post = armOutcomes(pre, b, e, "sweep/\(share)/\(b.name)/\(seed)")
                    return try compare(arm: sweepArm, seed: Int(seed), benchmark: b.name, before: pre, after: post, k: 4,
                                       bootstrapSeed: seed, resamples: 50).delta
                }
                general.append((try delta(benches[0]) + delta(benches[1])) / 2)
                domain.append(try delta(benches[2]))
            }
            sweep.append(SweepPoint(arm: sweepArm, generalShare: share, generalDelta: try SampleSummary(general),
                                    domainDelta: try SampleSummary(domain)))
        }

        let fidelity = Fidelity(
            reconstructions: [
                .init(recipe: "one-model-one-response", seed: 1, instructionsSampled: 4000, instructionsKept: 3310, validShare: 0.87,
                      totalVariation: 0.142, selectedCorrect: 0.71),
                .init(recipe: "full", seed: 1, instructionsSampled: 4000, instructionsKept: 3310, validShare: 0.87,
                      totalVariation: 0.118, selectedCorrect: 0.83),
            ],
            publicSets: [.init(name: "publicA", totalVariation: 0.412, correct: 0.78), .init(name: "publicB", totalVariation: 0.537, correct: 0.64)])

        let armNames = ["instruct"] + arms.map(\.0)
        let infos = benches.map { BenchmarkInfo(name: $0.name, kind: $0.kind, items: itemsPerBenchmark, chance: 1 / Double($0.k)) }
        let key = try KeyComparisons.build(arms: armNames, benchmarks: infos, records: records)
        return ExperimentAnalysis(
            experiment: payload.map { "fixture " + $0 } ?? "fixture-quick", preset: "quick",
            arms: armNames, seeds: seeds,
            benchmarks: infos,
            instruct: instruct, comparisons: comparisons, aggregates: aggregates, fidelity: fidelity, formatDrift: drift,
            forgotten: forgotten, sweep: sweep,
            stageTimes: [StageTime(kind: "reconstruct", runs: 2, wallSeconds: 41.25), StageTime(kind: "respond", runs: 2, wallSeconds: 96.5),
                         StageTime(kind: "judge", runs: 2, wallSeconds: 58.0), StageTime(kind: "finetune", runs: 10, wallSeconds: 612.75),
                         StageTime(kind: "evaluate", runs: 22, wallSeconds: 133.0)],
            keyComparisons: key, findings: FindingRules.evaluate(key, arms: armNames))
    }

    static func forgottenItem(arm: String, seed: UInt64, bench: String, item: ItemOutcome, payload: String?) -> ForgottenItem {
        let p = payload ?? ""
        return ForgottenItem(arm: arm, seed: seed, benchmark: bench, variant: .mc, itemID: item.itemID, family: item.family,
                             question: "Which answer fits \(item.itemID)? \(p)", answer: "Answer \(item.itemID.suffix(3))",
                             before: "The answer is Answer \(item.itemID.suffix(3)).\n\(p)",
                             after: "I think | it is\nsomething else \(p)")
    }

    /// The paper baseline JSON, found relative to this file.
    static var baselineURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("baselines/paper-2506.09428.json")
    }

    static func baseline() throws -> PaperBaseline { try PaperBaseline.decode(Data(contentsOf: baselineURL)) }
}
