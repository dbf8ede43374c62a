/// An interval of allowed numbers, with the text messages show for it ("0...2", "(0, 1]").
public struct Bounds: Hashable, Sendable {
    public var lower: Double
    public var lowerOpen: Bool
    public var upper: Double
    public var upperOpen: Bool

    public init(lower: Double, lowerOpen: Bool, upper: Double, upperOpen: Bool) {
        self.lower = lower; self.lowerOpen = lowerOpen; self.upper = upper; self.upperOpen = upperOpen
    }

    /// [a, b], shown as `a...b`.
    public static func closed(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: false, upper: b, upperOpen: false) }
    /// (a, b]
    public static func openClosed(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: true, upper: b, upperOpen: false) }
    /// [a, b)
    public static func closedOpen(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: false, upper: b, upperOpen: true) }
    /// (a, b)
    public static func open(_ a: Double, _ b: Double) -> Bounds { Bounds(lower: a, lowerOpen: true, upper: b, upperOpen: true) }

    /// Whether `x` is finite and inside the interval.
    public func contains(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        let aboveLower = lowerOpen ? x > lower : x >= lower
        let belowUpper = upperOpen ? x < upper : x <= upper
        return aboveLower && belowUpper
    }

    /// `a...b` for a closed interval, `(a, b]`-style otherwise.
    public var text: String {
        if !lowerOpen && !upperOpen { return "\(Bounds.format(lower))...\(Bounds.format(upper))" }
        return "\(lowerOpen ? "(" : "[")\(Bounds.format(lower)), \(Bounds.format(upper))\(upperOpen ? ")" : "]")"
    }

    /// A bound as messages show it: whole numbers without a decimal point.
    public static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }
}
