import Foundation

/// Exact McNemar test and power analysis for paired before/after correctness.
public enum McNemar {
    /// Natural log of the exact two-sided McNemar p-value on the discordant counts
    /// `b` = n10 (forgotten) and `c` = n01 (learned):
    ///
    ///     p = min(1, 2 · P(X ≤ min(b, c))),  X ~ Binomial(b + c, ½);   p = 1 when b + c = 0.
    ///
    /// Computed in log space — the largest term log P(X = min(b,c)) from `lgamma`, then the
    /// lower terms by the ratio P(X = i−1)/P(X = i) = i / (m − i + 1) relative to it — so
    /// b + c of 100,000 and more neither underflows nor loses precision.
    public static func exactLogPValue(b: Int, c: Int) -> Double {
        precondition(b >= 0 && c >= 0, "McNemar counts must be non-negative")
        let m = b + c
        guard m > 0 else { return 0 }
        let k = min(b, c)
        // P(X ≤ k) ≥ ½ once k ≥ (m − 1)/2, so p = 1 exactly (no rounding from lgamma).
        if 2 * k + 1 >= m { return 0 }
        let md = Double(m), kd = Double(k)
        let lnChoose: Double = SpecialFunctions.lnGamma(md + 1) - SpecialFunctions.lnGamma(kd + 1)
            - SpecialFunctions.lnGamma(md - kd + 1)
        let logPmfK: Double = lnChoose - md * M_LN2
        var sum = 1.0, term = 1.0
        var i = k
        while i > 0 {
            term *= Double(i) / Double(m - i + 1)
            sum += term
            if term < 1e-17 * sum { break }
            i -= 1
        }
        return min(0, M_LN2 + logPmfK + log(sum))
    }

    /// The exact two-sided McNemar p-value (see `exactLogPValue`). Equals scipy's
    /// `binomtest(b, b + c, 0.5).pvalue`. May be 0 only when the true value is below ~1e-308.
    public static func exactPValue(b: Int, c: Int) -> Double { exp(exactLogPValue(b: b, c: c)) }

    /// The exact McNemar p-value for a transition table (b = n10, c = n01).
    public static func exactPValue(_ t: TransitionCounts) -> Double { exactPValue(b: t.n10, c: t.n01) }

    /// The minimum detectable effect of a paired McNemar design: the smallest net change
    /// |n10 − n01| / n (a fraction of all items) that a two-sided test at level `alpha`
    /// detects with probability `power`, given `n` items of which a share `discordance`
    /// (d = (n10 + n01)/n) change correctness.
    ///
    /// Uses the normal approximation of Connor (1987) / Miettinen (1968): with ψ = d the
    /// discordance rate and δ = p10 − p01 the effect,
    ///
    ///     n = [z_{1−α/2} √ψ + z_{power} √(ψ − δ²)]² / δ²,
    ///
    /// solved for δ in closed form (the positive root of the squared equation):
    ///
    ///     δ = √ψ · [z_a √n + z_b √(n + z_b² − z_a²)] / (n + z_b²),   z_a = z_{1−α/2}, z_b = z_{power}.
    ///
    /// Returns nil when no effect is detectable: ψ = 0, too few items for the approximation
    /// (n + z_b² < z_a²), or δ would exceed ψ (even if every changed item moved the same way).
    ///
    /// Example: 500 items, 10% of which flip (d = 0.10), α = 0.05, power 0.8:
    ///
    ///     McNemar.minimumDetectableEffect(n: 500, discordance: 0.10)   // ≈ 0.0395
    ///
    /// so a net loss smaller than about 4 points is not reliably detectable: an arm that "shows
    /// no significant forgetting" on this benchmark may still have forgotten 3 points. With
    /// 5,000 items the same design detects ≈ 1.25 points.
    public static func minimumDetectableEffect(n: Int, discordance: Double,
                                               alpha: Double = 0.05, power: Double = 0.8) -> Double? {
        precondition(alpha > 0 && alpha < 1, "alpha must be in (0, 1)")
        precondition(power > 0.5 && power < 1, "power must be in (0.5, 1)")
        precondition(discordance >= 0 && discordance <= 1, "discordance must be a fraction in [0, 1]")
        guard n > 0, discordance > 0 else { return nil }
        let za = SpecialFunctions.normalQuantile(1 - alpha / 2)
        let zb = SpecialFunctions.normalQuantile(power)
        let nd = Double(n)
        let inner = nd + zb * zb - za * za
        guard inner >= 0 else { return nil }
        let delta = discordance.squareRoot() * (za * nd.squareRoot() + zb * inner.squareRoot()) / (nd + zb * zb)
        // The squared equation has a spurious root; keep δ only if it solves the original one.
        let residual = nd.squareRoot() * delta - za * discordance.squareRoot()
            - zb * max(0, discordance - delta * delta).squareRoot()
        guard delta <= discordance, abs(residual) <= 1e-9 * max(1, nd.squareRoot() * delta) else { return nil }
        return delta
    }

    /// The number of items Connor's formula requires to detect effect `delta` (fraction) at
    /// discordance rate `discordance` (the inverse of `minimumDetectableEffect`, unrounded).
    public static func requiredItems(delta: Double, discordance: Double,
                                     alpha: Double = 0.05, power: Double = 0.8) -> Double {
        precondition(delta > 0 && delta <= discordance, "need 0 < delta <= discordance")
        let za = SpecialFunctions.normalQuantile(1 - alpha / 2)
        let zb = SpecialFunctions.normalQuantile(power)
        let root = za * discordance.squareRoot() + zb * (discordance - delta * delta).squareRoot()
        return root * root / (delta * delta)
    }
}
