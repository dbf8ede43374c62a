/// Optional wall-time accounting by kernel category, for `retain bench engine --profile`.
/// Disabled by default; when disabled the cost is one branch per kernel call.
public enum KernelProfiler {
    public enum Category: String, CaseIterable, Sendable {
        case gemm, attention, rmsnorm, rope, swiglu, crossEntropy = "cross_entropy", embedding, residual, optimizer
    }

    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) private static var totals = [Double](repeating: 0, count: Category.allCases.count)

    @inline(__always)
    static func measure<T>(_ category: Category, _ body: () -> T) -> T {
        guard enabled else { return body() }
        let t0 = Clock.now()
        let r = body()
        totals[Category.allCases.firstIndex(of: category)!] += Clock.now() - t0
        return r
    }

    public static func reset() { totals = totals.map { _ in 0 } }

    /// Seconds spent per category since the last reset.
    public static var seconds: [Category: Double] {
        Dictionary(uniqueKeysWithValues: zip(Category.allCases, totals))
    }
}
