import Foundation

/// Holm–Bonferroni step-down adjustment for a family of tests.
public enum Holm {
    /// Holm-adjusted p-values, in the input order.
    ///
    /// With the m p-values sorted ascending p(1) ≤ … ≤ p(m), the adjusted value of the i-th is
    ///
    ///     p̃(i) = max_{j ≤ i} min(1, (m − j + 1) · p(j)),
    ///
    /// which is monotone in the raw p-values and capped at 1 (same as statsmodels'
    /// `multipletests(method="holm")`). Rejecting p̃ ≤ α controls the family-wise error rate at α.
    /// Ties keep their input order, which does not change the result.
    public static func adjust(_ pValues: [Double]) -> [Double] {
        precondition(pValues.allSatisfy { $0 >= 0 && $0 <= 1 }, "p-values must be in [0, 1]")
        let m = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
