// Elementary functions whose results are the same bits on every machine.
//
// glibc picks exp, log, pow, sin and cos variants per CPU at run time (FMA and non-FMA builds),
// and other C libraries use other algorithms, so their last bits differ between machines. Every
// value that feeds a model (weight initialisation, rotary tables, bias corrections, schedules,
// sampling, log-likelihoods, the world's mixture weights) uses these instead. They are written with
// IEEE operations only (+, −, ×, ÷, fused multiply-add and square root are correctly rounded on
// every IEEE machine, and Swift never contracts or reassociates them), in one fixed order.
// Accuracy is about 1 ulp (tested against libm); they need not be correctly rounded, only the same
// everywhere.

public enum PortableMath {
    private static let ln2Hi = 6.93147180369123816490e-01   // high bits of ln 2 (exact times small n)
    private static let ln2Lo = 1.90821492927058770002e-10

    /// 1/k! for k = 0…20 (each k! is exact in a Double, so each entry is one correctly rounded division).
    private static let inverseFactorials: [Double] = {
        var factorial = 1.0, out = [1.0]
        for k in 1...20 { factorial *= Double(k); out.append(1 / factorial) }
        return out
    }()
    /// (sin r − r)/r³ in r²: −1/19!, +1/17!, …, −1/3!.
    private static let sinCoefficients = stride(from: 19, through: 3, by: -2).map { signedInverseFactorial($0) }
    /// (cos r − 1)/r² in r²: +1/20!, −1/18!, …, −1/2!.
    private static let cosCoefficients = stride(from: 20, through: 2, by: -2).map { signedInverseFactorial($0) }
    /// (−1)^⌊k/2⌋ / k!, the sign of the x^k term of sin (odd k) and cos (even k).
    private static func signedInverseFactorial(_ k: Int) -> Double { (k / 2) % 2 == 0 ? inverseFactorials[k] : -inverseFactorials[k] }

    /// c₀xⁿ + c₁xⁿ⁻¹ + … + cₙ by Horner's rule with fused multiply-adds, in this one order.
    @inline(__always)
    private static func horner(_ c: [Double], _ x: Double) -> Double {
        var p = c[0]
        for i in 1..<c.count { p = c[i].addingProduct(p, x) }
        return p
    }

    /// e^x. `@inlinable` so that the log-softmax and sampling loops (768+ calls per token) inline
    /// it: as a call it was 4% of a quick reproduce.
    @inlinable
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.782712893384 { return .infinity }
        if x < -745.1332191019412 { return 0 }
        // x = n·ln2 + r, |r| ≤ ln2/2 (ln 2 split in two, so n·ln2Hi is exact).
        let n = (x * 1.44269504088896338700e+00).rounded(.toNearestOrEven)
        let r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10
        // e^r by its Taylor series to r¹³ (|r|¹⁴/14! < 2⁻⁵⁸), Horner with fused multiply-adds.
        var p = 1.0 / 6_227_020_800
        p = (1.0 / 479_001_600).addingProduct(p, r)
        p = (1.0 / 39_916_800).addingProduct(p, r)
        p = (1.0 / 3_628_800).addingProduct(p, r)
        p = (1.0 / 362_880).addingProduct(p, r)
        p = (1.0 / 40_320).addingProduct(p, r)
        p = (1.0 / 5_040).addingProduct(p, r)
        p = (1.0 / 720).addingProduct(p, r)
        p = (1.0 / 120).addingProduct(p, r)
        p = (1.0 / 24).addingProduct(p, r)
        p = (1.0 / 6).addingProduct(p, r)
        p = 0.5.addingProduct(p, r)
        p = 1.0.addingProduct(p, r)
        p = 1.0.addingProduct(p, r)
        return scaleByPowerOfTwo(p, Int(n))
    }

    /// Natural logarithm (NaN for negative x, −∞ at 0).
    public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return x }
        // x = m·2^e with m in [√½, √2).
        var m = x, e = 0
        if m < 2.2250738585072014e-308 { m *= 18_014_398_509_481_984; e -= 54 }   // subnormal: scale by 2⁵⁴
        let bits = m.bitPattern
        e += Int((bits >> 52) & 0x7FF) - 1023
        m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)   // [1, 2)
        if m > 1.4142135623730951 { m *= 0.5; e += 1 }
        // log m = 2·atanh(f), f = (m−1)/(m+1), |f| ≤ 0.1716: series to f²³ (< 2⁻⁵⁸ relative).
        let f = (m - 1) / (m + 1)
        let f2 = f * f
        var s = 1.0 / 23
        for d in stride(from: 21.0, through: 1.0, by: -2.0) { s = (1 / d).addingProduct(s, f2) }
        let logM = 2 * f * s
        let de = Double(e)
        return de * ln2Hi + (logM + de * ln2Lo)
    }

    /// x^y for x > 0 (e^(y·log x)); x^0 = 1. Not meant for results near the overflow threshold.
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if y == 0 { return 1 }
        if x == 1 { return 1 }
        return exp(y * log(x))
    }

    /// x^n by repeated squaring (each product correctly rounded, so the same bits everywhere).
    public static func pow(_ x: Double, _ n: Int) -> Double {
        var result = 1.0, base = x, e = n.magnitude
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return n < 0 ? 1 / result : result
    }

    /// sin x and cos x, for |x| up to about 1e5 (rotary angles, Box–Muller); NaN beyond 1e9.
    public static func sinCos(_ x: Double) -> (sin: Double, cos: Double) {
        if !x.isFinite || x.magnitude > 1e9 { return (.nan, .nan) }
        // x = q·π/2 + r with π/2 split into three parts (Cody–Waite), |r| ≤ π/4.
        let q = (x * 0.63661977236758134308).rounded(.toNearestOrEven)
        var r = x - q * 1.57079632673412561417e+00
        r -= q * 6.07710050630396597660e-11
        r -= q * 2.02226624871116645580e-21
        let r2 = r * r
        // Taylor series on |r| ≤ π/4: sin to r¹⁹, cos to r²⁰ (last terms < 2⁻⁶⁰).
        let sinR = r.addingProduct(r * r2, horner(sinCoefficients, r2))
        let cosR = 1.0.addingProduct(horner(cosCoefficients, r2), r2)
        switch Int(q.truncatingRemainder(dividingBy: 4) + 4) % 4 {
        case 0: return (sinR, cosR)
        case 1: return (cosR, -sinR)
        case 2: return (-sinR, -cosR)
        default: return (-cosR, sinR)
        }
    }

    public static func sin(_ x: Double) -> Double { sinCos(x).sin }
    public static func cos(_ x: Double) -> Double { sinCos(x).cos }

    /// p·2ⁿ for p in [½, 2): exact unless the result is subnormal, then rounded once.
    @inlinable @inline(__always)
    static func scaleByPowerOfTwo(_ p: Double, _ n: Int) -> Double {
        if n > 1023 { return p * 2 * Double(bitPattern: UInt64(n - 1 + 1023) << 52) }
        if n < -1022 {
            // p·2^(n+54) is normal and exact; the one rounding happens in the last product.
            return p * Double(bitPattern: UInt64(n + 54 + 1023) << 52) * 0x1p-54
        }
        return p * Double(bitPattern: UInt64(n + 1023) << 52)
    }
}
