import Foundation
import RetainCore

/// A two-sided confidence interval. Bounds are in the unit of the statistic (fractions for
/// accuracies and deltas).
public struct ConfidenceInterval: Codable, Hashable, Sendable {
    public var lower: Double
    public var upper: Double
    /// Nominal coverage, e.g. 0.95.
    public var level: Double

    public init(lower: Double, upper: Double, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    /// Whether `value` lies in the closed interval.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
    public var width: Double { upper - lower }
}

/// Seeded paired bootstrap over items.
public enum PairedBootstrap {
    /// Percentile bootstrap interval for Δ = acc_after − acc_before (a fraction).
    ///
    /// Each of `resamples` replicates draws n items with replacement (the pair is kept together,
    /// which is what makes it paired) and computes its Δ; the interval is the (1−level)/2 and
    /// (1+level)/2 quantiles of those replicates (linear interpolation between order statistics,
    /// numpy's default "type 7"). Draws come from `WorldRandom(seed:)` (xoshiro256**), so the
    /// same outcomes in the same order with the same seed give a bit-identical interval;
    /// `compare` sorts items by id first, so there the input order does not matter either.
    public static func deltaInterval(_ outcomes: [PairedOutcome], resamples: Int = 2000,
                                     seed: UInt64, level: Double = 0.95) throws -> ConfidenceInterval {
        guard !outcomes.isEmpty else { throw AnalysisError.empty("no items to bootstrap") }
        try validate(resamples: resamples, level: level)
        // Per-item change: +1 learned, −1 forgotten, 0 unchanged. Δ of a resample = mean change.
        let change: [Int] = outcomes.map { ($0.after ? 1 : 0) - ($0.before ? 1 : 0) }
        let n = change.count
        var rng = WorldRandom(seed: seed)
        var deltas = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0
            for _ in 0..<n { sum += change[rng.int(below: n)] }
            deltas[r] = Double(sum) / Double(n)
        }
        deltas.sort()
        return ConfidenceInterval(lower: quantile(sorted: deltas, (1 - level) / 2),
                                  upper: quantile(sorted: deltas, (1 + level) / 2), level: level)
    }

    /// The q-quantile of ascending `sorted` values by linear interpolation (numpy "linear").
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty && q >= 0 && q <= 1)
        let h = Double(sorted.count - 1) * q
        let i = Int(h.rounded(.down))
        guard i + 1 < sorted.count else { return sorted[sorted.count - 1] }
        return sorted[i] + (h - Double(i)) * (sorted[i + 1] - sorted[i])
    }
}
