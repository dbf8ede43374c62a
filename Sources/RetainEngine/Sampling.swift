import Foundation
import RetainPortableMath

/// How to pick the next token from logits. Temperature 0 is greedy decoding.
public struct SamplingParameters: Codable, Hashable, Sendable {
    /// Softmax temperature; 0 means greedy (argmax, lowest id on ties).
    public var temperature: Float
    /// Keep only the k most likely tokens; 0 disables.
    public var topK: Int
    /// Keep the smallest set of tokens whose probability mass reaches p; 1 disables.
    public var topP: Float

    public static let greedy = SamplingParameters(uncheckedTemperature: 0, topK: 0, topP: 1)

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1) throws {
        guard temperature >= 0, temperature.isFinite else {
            throw EngineError.invalidArgument("temperature is \(temperature); expected a finite value >= 0")
        }
        guard topK >= 0 else { throw EngineError.invalidArgument("topK is \(topK); expected >= 0 (0 disables)") }
        guard topP > 0, topP <= 1 else { throw EngineError.invalidArgument("topP is \(topP); expected a value in (0, 1]") }
        self.init(uncheckedTemperature: temperature, topK: topK, topP: topP)
    }

    private init(uncheckedTemperature: Float, topK: Int, topP: Float) {
        temperature = uncheckedTemperature; self.topK = topK; self.topP = topP
    }

    /// Picks a token from one row of logits, drawing from `rng` only when sampling.
    public func sample(_ logits: UnsafeBufferPointer<Float>, rng: inout SeededRandom) -> Int32 {
        if temperature == 0 { return Int32(argmax(logits)) }
        let V = logits.count
        // Candidates sorted by logit, descending; ties by id for determinism.
        var order = descendingOrder(logits)
        if topK > 0 && topK < V { order.removeLast(V - topK) }
        let m = logits[order[0]]
        var probs = order.map { PortableMath.exp(Double((logits[$0] - m) / temperature)) }
        let total = probs.reduce(0, +)
        for i in probs.indices { probs[i] /= total }
        var keep = probs.count
        if topP < 1 {
            var cumulative = 0.0
            for (i, p) in probs.enumerated() {
                cumulative += p
                if cumulative >= Double(topP) { keep = i + 1; break }
            }
        }
        let mass = probs[0..<keep].reduce(0, +)
        var u = rng.nextUnitDouble() * mass
        for i in 0..<keep {
            u -= probs[i]
            if u < 0 { return Int32(order[i]) }
        }
        return Int32(order[keep - 1])
    }
}

/// Indices of `logits` by value, descending, ties by index ascending (logits must not be NaN).
///
/// Each entry becomes one integer key, the value's order-preserving bits inverted above its
/// index, so a plain integer sort gives the order; a sort of indices through a comparator
/// closure was the main cost of sampling (measured 3% of a whole quick reproduce, on one thread).
func descendingOrder(_ logits: UnsafeBufferPointer<Float>) -> [Int] {
    var keys = [UInt64](unsafeUninitializedCapacity: logits.count) { buffer, initialized in
        for (i, value) in logits.enumerated() {
            // + 0 turns −0 into +0, which compares equal to it, so the two tie as they do for `>`.
            let bits = (value + 0).bitPattern
            let ascending = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
            buffer[i] = UInt64(~ascending) << 32 | UInt64(i)
        }
        initialized = logits.count
    }
    keys.sort()
    return keys.map { Int($0 & 0xFFFF_FFFF) }
}

/// Index of the largest value (the lowest index on ties).
public func argmax(_ x: UnsafeBufferPointer<Float>) -> Int {
    var best = 0
    for i in 1..<x.count where x[i] > x[best] { best = i }
    return best
}
