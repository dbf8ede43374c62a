import Foundation

/// Distribution functions the statistics need, written here so the target has no dependency
/// beyond Foundation's libm. Accuracy is checked in the tests against scipy reference values.
public enum SpecialFunctions {
    /// ln Γ(x) for x > 0. Uses libm's reentrant `lgamma_r` (plain `lgamma` writes the global
    /// `signgam`, a data race when analyses run concurrently).
    public static func lnGamma(_ x: Double) -> Double {
        var sign: Int32 = 0
        return lgamma_r(x, &sign)
    }

    /// Regularized incomplete beta I_x(a, b), by the continued fraction of Numerical Recipes
    /// (§6.4, modified Lentz), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) for fast convergence.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "incomplete beta needs a, b > 0")
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnBeta: Double = lnGamma(a + b) - lnGamma(a) - lnGamma(b)
        let logFront: Double = lnBeta + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) < eps { break }
        }
        return h
    }

    /// Standard normal CDF Φ(x).
    public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Standard normal quantile Φ⁻¹(p), Wichura's algorithm AS 241 (PPND16, ~1e-16 relative).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normal quantile needs 0 < p < 1")
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num = (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745) * r + 3.387132872796366608)
            let den = (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252) * r + 1.0)
            return q * num / den
        }
        var r = (-log(q < 0 ? p : 1 - p)).squareRoot()
        var value: Double
        if r <= 5 {
            r -= 1.6
            let num = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734)
            let den = (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                + 2.05319162663775882187) * r + 1.0)
            value = num / den
        } else {
            r -= 5
            let num = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772)
            let den = (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                + 0.59983220655588793769) * r + 1.0)
            value = num / den
        }
        return q < 0 ? -value : value
    }

    /// Upper tail P(T > t) of Student's t with `df` degrees of freedom, for t ≥ 0:
    /// ½ · I_{df/(df+t²)}(df/2, ½).
    private static func studentTUpperTail(_ t: Double, df: Double) -> Double {
        0.5 * regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// Student t CDF P(T ≤ t) with `df` > 0 degrees of freedom (non-integer df accepted).
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        precondition(df > 0, "t distribution needs df > 0")
        let tail = studentTUpperTail(abs(t), df: df)
        return t >= 0 ? 1 - tail : tail
    }

    /// Student t quantile: the t with P(T ≤ t) = p, for `df` > 0 and 0 < p < 1.
    ///
    /// Inverts the incomplete-beta form of the CDF by bracketing and bisection on t (monotone,
    /// so it cannot fail to converge); agrees with scipy's `t.ppf` to ~1e-10 (see the tests).
    /// For df > 1e7 the normal quantile is returned.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0 && p < 1, "t quantile needs 0 < p < 1")
        precondition(df > 0, "t quantile needs df > 0")
        if p == 0.5 { return 0 }
        if df > 1e7 { return normalQuantile(p) }
        let tail = min(p, 1 - p)
        var lo = 0.0, hi = 1.0
        while studentTUpperTail(hi, df: df) > tail { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if studentTUpperTail(mid, df: df) > tail { lo = mid } else { hi = mid }
            if hi - lo <= 1e-14 * hi { break }
        }
        let t = 0.5 * (lo + hi)
        return p < 0.5 ? -t : t
    }
}
