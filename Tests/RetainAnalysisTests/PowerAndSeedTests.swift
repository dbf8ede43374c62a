import XCTest
@testable import RetainAnalysis

final class PowerAndSeedTests: XCTestCase {
    func testMDEDecreasesWithItems() throws {
        let ns = [50, 100, 200, 500, 1000, 5000, 100_000]
        let mdes = try ns.map { try XCTUnwrap(McNemar.minimumDetectableEffect(n: $0, discordance: 0.2)) }
        for (a, b) in zip(mdes, mdes.dropFirst()) { XCTAssertGreaterThan(a, b) }
    }

    func testMDEIncreasesWithDiscordance() throws {
        let ds = [0.02, 0.05, 0.1, 0.2, 0.4, 0.8]
        let mdes = try ds.map { try XCTUnwrap(McNemar.minimumDetectableEffect(n: 2000, discordance: $0)) }
        for (a, b) in zip(mdes, mdes.dropFirst()) { XCTAssertLessThan(a, b) }
    }

    func testMDEDocExampleAndUndetectableCases() {
        // Docstring example: z_a = 1.959964, z_b = 0.841621, n = 500, ψ = 0.1:
        // √0.1 · (1.959964 · √500 + 0.841621 · √(500 + 0.708326 − 3.841459)) / 500.708326
        //   = 0.316228 · (43.826 + 18.760) / 500.708 = 0.03953.
        XCTAssertEqual(McNemar.minimumDetectableEffect(n: 500, discordance: 0.1) ?? .nan, 0.03953, accuracy: 1e-4)
        XCTAssertEqual(McNemar.minimumDetectableEffect(n: 5000, discordance: 0.1) ?? .nan, 0.012526, accuracy: 1e-5)
        XCTAssertNil(McNemar.minimumDetectableEffect(n: 500, discordance: 0))  // nothing changed
        XCTAssertNil(McNemar.minimumDetectableEffect(n: 2, discordance: 0.5))  // n + z_b² < z_a²
        XCTAssertNil(McNemar.minimumDetectableEffect(n: 10, discordance: 0.1)) // δ would exceed ψ
        // Stricter alpha or higher power needs a larger effect.
        let base = McNemar.minimumDetectableEffect(n: 1000, discordance: 0.1)!
        XCTAssertGreaterThan(McNemar.minimumDetectableEffect(n: 1000, discordance: 0.1, alpha: 0.01)!, base)
        XCTAssertGreaterThan(McNemar.minimumDetectableEffect(n: 1000, discordance: 0.1, power: 0.9)!, base)
    }

    func testSampleSummaryWorkedExample() throws {
        // Values 0.10, 0.12, 0.14: mean 0.12; sd = √((0.02² + 0 + 0.02²)/2) = 0.02;
        // half width = t(0.975, 2) · 0.02 / √3 = 4.302653 · 0.011547 = 0.049683.
        let s = try SampleSummary([0.10, 0.12, 0.14])
        let t2 = ReferenceValues.t975.first { $0.df == 2 }!.q
        XCTAssertEqual(s.n, 3)
        XCTAssertEqual(s.mean, 0.12, accuracy: 1e-15)
        XCTAssertEqual(s.sd ?? .nan, 0.02, accuracy: 1e-15)
        XCTAssertEqual(s.ci?.lower ?? .nan, 0.12 - t2 * 0.02 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s.ci?.upper ?? .nan, 0.12 + 0.049683, accuracy: 1e-6)
    }

    func testOneSeedGivesNoInterval() throws {
        let s = try SampleSummary([0.3])
        XCTAssertEqual(s.mean, 0.3)
        XCTAssertNil(s.sd)
        XCTAssertNil(s.ci)
        XCTAssertThrowsError(try SampleSummary([]))
    }

    func testNoiseFloorWorkedExample() throws {
        // 0.46, 0.47, 0.45, 0.48: mean 0.465; squared deviations 0.000025, 0.000025, 0.000225,
        // 0.000225 sum to 0.0005; sd = √(0.0005/3) = 0.0129099; range 0.48 − 0.45 = 0.03.
        let noise = try NoiseFloor(accuracies: [0.46, 0.47, 0.45, 0.48])
        XCTAssertEqual(noise.n, 4)
        XCTAssertEqual(noise.mean, 0.465, accuracy: 1e-15)
        XCTAssertEqual(noise.sd ?? .nan, 0.0129099, accuracy: 1e-7)
        XCTAssertEqual(noise.range, 0.03, accuracy: 1e-15)
        let single = try NoiseFloor(accuracies: [0.5])
        XCTAssertNil(single.sd)
        XCTAssertEqual(single.range, 0)
    }

    /// Three seeds of one arm with Δ = −0.1, −0.2, −0.3 (10 items each, 1, 2, 3 items forgotten).
    private func threeSeeds(arm: String = "mix") throws -> [ArmComparison] {
        try (1...3).map { seed in
            let items = makeOutcomes(family: "f", n00: 2, n10: seed, n11: 8 - seed)
            return try compare(arm: arm, seed: seed, benchmark: "bench", outcomes: items, k: 4,
                               bootstrapSeed: UInt64(seed), resamples: 200)
        }
    }

    func testSeedAggregateOfDelta() throws {
        // mean −0.2; sd = √((0.1² + 0 + 0.1²)/2) = 0.1; half width t(0.975, 2) · 0.1 / √3 = 0.248414.
        let agg = try SeedAggregate(try threeSeeds(), metric: .delta)
        XCTAssertEqual(agg.seeds, [1, 2, 3])
        XCTAssertEqual(agg.n, 3)
        XCTAssertEqual(agg.mean, -0.2, accuracy: 1e-15)
        XCTAssertEqual(agg.sd ?? .nan, 0.1, accuracy: 1e-15)
        XCTAssertEqual(agg.ci?.lower ?? .nan, -0.2 - 0.248414, accuracy: 1e-6)
        XCTAssertEqual(agg.ci?.upper ?? .nan, -0.2 + 0.248414, accuracy: 1e-6)
        // F = 0.1, 0.2, 0.3 gives the mirror image.
        XCTAssertEqual(try SeedAggregate(try threeSeeds(), metric: .F).mean, 0.2, accuracy: 1e-15)
    }

    func testSeedAggregateSummarizeCoversBenchmarkAndFamilies() throws {
        let all = try SeedAggregate.summarize(try threeSeeds())
        // 7 metrics for the whole benchmark + 7 for its single family "f".
        XCTAssertEqual(all.count, 2 * SeedMetric.allCases.count)
        XCTAssertEqual(all.filter { $0.family == "f" }.count, SeedMetric.allCases.count)
        let familyDelta = all.first { $0.family == "f" && $0.metric == .delta }!
        XCTAssertEqual(familyDelta.mean, -0.2, accuracy: 1e-15)
    }

    func testSeedAggregateRejectsMixedInputs() throws {
        let seeds = try threeSeeds()
        XCTAssertThrowsError(try SeedAggregate(seeds + [try threeSeeds(arm: "other")[0]], metric: .delta)) { error in
            guard case .mixedComparisons = error as? AnalysisError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try SeedAggregate(seeds + [seeds[0]], metric: .delta)) { error in
            XCTAssertEqual(error as? AnalysisError, .duplicateSeed(1))
        }
        XCTAssertThrowsError(try SeedAggregate([], metric: .delta))
    }
}
