/// xoshiro256** seeded through SplitMix64: the only source of randomness in the harness's data
/// side. Same seed, same stream, on every platform (Swift's system generator is never used).
///
/// `derived(_:)` splits off an independent stream named by a label, so adding a draw in one part
/// of a generator does not shift the draws of every other part.
public struct WorldRandom: RandomNumberGenerator, Sendable, Hashable {
    // Inlinable (with the state visible to inlined code) because the analysis's bootstrap draws
    // tens of millions of indices across module boundaries.
    @usableFromInline var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// An independent stream named by `label` (FNV-1a of the label mixed into this stream's state;
    /// does not advance `self`).
    public func derived(_ label: String) -> WorldRandom {
        var copy = self
        return WorldRandom(seed: copy.next() ^ ContentHash.fnv1a64(label))
    }

    /// Uniform integer in `0..<n` (unbiased, by rejection). `n` must be positive.
    @inlinable
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "WorldRandom.int(below:) needs a positive bound")
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let x = next()
            if x < limit { return Int(x % bound) }
        }
    }

    /// Uniform integer in a closed range.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    public mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A uniformly chosen element. `items` must not be empty.
    public mutating func pick<T>(_ items: [T]) -> T { items[int(below: items.count)] }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func index(weightedBy weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0, "WorldRandom.index(weightedBy:) needs a positive total weight")
        var r = unit() * total
        for (i, w) in weights.enumerated() where w > 0 {
            if r < w { return i }
            r -= w
        }
        return weights.lastIndex { $0 > 0 }!
    }

    /// Fisher–Yates shuffle driven by this stream.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, int(below: i + 1))
        }
    }

    public mutating func shuffled<T>(_ items: [T]) -> [T] {
        var copy = items
        shuffle(&copy)
        return copy
    }
}
