import Foundation

/// Human-readable rendering. The API works in fractions; only these helpers speak in points
/// (percentage points, fraction × 100).
public enum Display {
    /// A fraction as signed points, e.g. -0.0123 → "-1.23".
    public static func signedPoints(_ fraction: Double, digits: Int = 2) -> String {
        String(format: "%+.\(digits)f", fraction * 100)
    }

    /// A fraction as unsigned points, e.g. 0.4674 → "46.74".
    public static func points(_ fraction: Double, digits: Int = 2) -> String {
        String(format: "%.\(digits)f", fraction * 100)
    }

    /// One line for a comparison, with the instruct model's noise floor beside Δ when known:
    ///
    ///     "46.74 → 46.14  Δ -0.60 pts [-1.50, +0.30]  F 3.10 BT 2.50  p=0.210  MDE 1.20  noise sd 0.35 range 0.90"
    public static func line(_ c: ArmComparison, noise: NoiseFloor? = nil) -> String {
        var s = "\(points(c.accBefore)) → \(points(c.accAfter))  Δ \(signedPoints(c.delta)) pts "
            + "[\(signedPoints(c.ci.lower)), \(signedPoints(c.ci.upper))]  "
            + "F \(points(c.F)) BT \(points(c.BT))  p=\(String(format: "%.3g", c.pMcNemar))"
        if let h = c.pHolm { s += " (Holm \(String(format: "%.3g", h)))" }
        s += "  MDE " + (c.mde.map { points($0) } ?? "n/a")
        if let noise {
            s += "  noise sd " + (noise.sd.map { points($0) } ?? "n/a") + " range \(points(noise.range))"
        }
        return s
    }
}
