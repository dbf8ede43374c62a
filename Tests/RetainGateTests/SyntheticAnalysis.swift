import Foundation
import RetainAnalysis
import RetainCore
import RetainGate

/// Transition counts of one family for one arm and seed.
struct FamilyCell {
    var n10: Int = 0
    var n01: Int = 0
}

/// Builds ExperimentAnalyses from generated item outcomes with exact transition counts, so every
/// Δ, F and interval in the tests can be computed by hand.
///
/// Each family has `itemsPerFamily` items; the instruct model gets the even-numbered ones right
/// (50%). An arm turns the first `n10` right items wrong and the first `n01` wrong items right.
enum Synthetic {
    static let itemsPerFamily = 100
    /// Benchmarks and their families, in order.
    static let layout: [(name: String, kind: BenchmarkKind, families: [String])] = [
        ("general", .general, ["arith", "facts"]),
        ("domain", .domain, ["dom"]),
    ]

    static func outcomes(benchmark: String, family: String, cell: FamilyCell) -> (before: [ItemOutcome], after: [ItemOutcome]) {
        var before: [ItemOutcome] = [], after: [ItemOutcome] = []
        var flippedDown = 0, flippedUp = 0
        for i in 0..<itemsPerFamily {
            let id = "\(benchmark)-\(family)-" + String(format: "%03d", i)
            let right = i % 2 == 0
            var now = right
            if right && flippedDown < cell.n10 { now = false; flippedDown += 1 }
            if !right && flippedUp < cell.n01 { now = true; flippedUp += 1 }
            before.append(ItemOutcome(itemID: id, family: family, correct: right))
            after.append(ItemOutcome(itemID: id, family: family, correct: now))
        }
        return (before, after)
    }

    /// `cells[arm][seedIndex][benchmark][family]`; families not given change nothing.
    /// `itemOutcomes` receives the per-item records as `ExperimentAnalyzer.analyze` hands them out:
    /// the instruct model's once per benchmark and variant (no seed), each arm's per seed.
    static func analysis(experiment: String = "synthetic", seeds: [Int],
                         cells: [String: [[String: [String: FamilyCell]]]],
                         variants: [MetricVariant] = [.mc],
                         itemOutcomes: ((ItemOutcomeRecord) -> Void)? = nil) throws -> ExperimentAnalysis {
        let arms = ["instruct"] + cells.keys.sorted()
        var comparisons: [ArmComparison] = []
        for variant in variants {
            for b in layout {
                let before = b.families.flatMap { outcomes(benchmark: b.name, family: $0, cell: FamilyCell()).before }
                itemOutcomes?(ItemOutcomeRecord(arm: "instruct", seed: nil, benchmark: b.name, variant: variant, outcomes: before))
            }
        }
        for arm in cells.keys.sorted() {
            for (s, seed) in seeds.enumerated() {
                for variant in variants {
                    for b in layout {
                        var before: [ItemOutcome] = [], after: [ItemOutcome] = []
                        for family in b.families {
                            let cell = cells[arm]![s][b.name]?[family] ?? FamilyCell()
                            let o = outcomes(benchmark: b.name, family: family, cell: cell)
                            before += o.before; after += o.after
                        }
                        itemOutcomes?(ItemOutcomeRecord(arm: arm, seed: seed, benchmark: b.name, variant: variant, outcomes: after))
                        comparisons.append(try compare(arm: arm, seed: seed, benchmark: b.name, variant: variant,
                                                       before: before, after: after, k: 4, bootstrapSeed: UInt64(seed) &* 7919,
                                                       resamples: 200))
                    }
                }
            }
        }
        comparisons = applyingHolm(comparisons)
        var aggregates: [SeedAggregate] = []
        let groups = Dictionary(grouping: comparisons) { "\($0.arm)|\($0.benchmark)|\($0.variant)" }
        for key in groups.keys.sorted() { aggregates += try SeedAggregate.summarize(groups[key]!) }
        let benchmarks = layout.map { BenchmarkInfo(name: $0.name, kind: $0.kind, items: $0.families.count * itemsPerFamily, chance: 0.25) }
        let instruct = layout.flatMap { b in variants.map { InstructScore(benchmark: b.name, variant: $0, accuracy: 0.5, noise: nil) } }
        return ExperimentAnalysis(experiment: experiment, preset: "quick", arms: arms, seeds: seeds.map(UInt64.init),
                                  benchmarks: benchmarks, instruct: instruct, comparisons: comparisons, aggregates: aggregates)
    }

    /// Three seeds. reconstructed-mix: general Δ −4, −5, −4.5 pts (all in arith: F 8, 10, 9 pts),
    /// domain Δ +10, +12, +8. public-mix:publicA: general −3 every seed (3 per family), domain +6.
    /// domain-only: general −25 (arith 30, facts 20), domain +15.
    static func threeSeeds(experiment: String = "synthetic", itemOutcomes: ((ItemOutcomeRecord) -> Void)? = nil) throws -> ExperimentAnalysis {
        func seed(_ arith: FamilyCell, _ facts: FamilyCell, domain: Int) -> [String: [String: FamilyCell]] {
            ["general": ["arith": arith, "facts": facts], "domain": ["dom": FamilyCell(n01: domain)]]
        }
        return try analysis(experiment: experiment, seeds: [1, 2, 3], cells: [
            "reconstructed-mix": [seed(FamilyCell(n10: 8), FamilyCell(), domain: 10),
                                  seed(FamilyCell(n10: 10), FamilyCell(), domain: 12),
                                  seed(FamilyCell(n10: 9), FamilyCell(), domain: 8)],
            "public-mix:publicA": Array(repeating: seed(FamilyCell(n10: 3), FamilyCell(n10: 3), domain: 6), count: 3),
            "domain-only": Array(repeating: seed(FamilyCell(n10: 30), FamilyCell(n10: 20), domain: 15), count: 3),
        ], itemOutcomes: itemOutcomes)
    }

    /// `threeSeeds()` with its per-item records (2 instruct + 3 arms × 3 seeds × 2 benchmarks = 20,
    /// in the analyzer's order: instruct first, then arm by arm).
    static func threeSeedsWithItems(experiment: String = "synthetic") throws -> (ExperimentAnalysis, [ItemOutcomeRecord]) {
        var items: [ItemOutcomeRecord] = []
        let analysis = try threeSeeds(experiment: experiment) { items.append($0) }
        return (analysis, items)
    }

    /// One seed; reconstructed-mix loses `n10` and regains `n01` arith items (general Δ = (n01 − n10) / 2 pts).
    static func oneSeed(n10: Int, n01: Int) throws -> ExperimentAnalysis {
        try analysis(seeds: [1], cells: [
            "reconstructed-mix": [["general": ["arith": FamilyCell(n10: n10, n01: n01)], "domain": ["dom": FamilyCell(n01: 10)]]],
        ])
    }

    /// A loader that must not be called.
    static func noPinned(_ path: String) throws -> PinnedResults {
        throw GateError.pinnedFile(file: path, message: "unexpected load in test")
    }
}
