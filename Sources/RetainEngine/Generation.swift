import Foundation

/// One sequence to continue.
public struct GenerationRequest: Sendable {
    public var prompt: [Int32]
    public var maxNewTokens: Int
    public var sampling: SamplingParameters
    /// Seed of this request's own random stream, so its output does not depend on batch-mates.
    public var seed: UInt64
    /// Token sequences that end generation; the matched sequence is not included in the output.
    public var stopSequences: [[Int32]]

    public init(prompt: [Int32], maxNewTokens: Int, sampling: SamplingParameters = .greedy, seed: UInt64 = 0,
                stopSequences: [[Int32]] = []) {
        self.prompt = prompt; self.maxNewTokens = maxNewTokens; self.sampling = sampling
        self.seed = seed; self.stopSequences = stopSequences
    }
}

public struct GenerationResult: Sendable, Equatable {
    public enum FinishReason: Sendable, Equatable {
        /// A stop sequence (its index in `stopSequences`) or the caller's stop check matched.
        case stop(Int?)
        /// `maxNewTokens` was reached.
        case length
        /// The model's context window (`maxSeqLen`) is full.
        case contextFull
    }
    public var tokens: [Int32]
    public var finishReason: FinishReason
}

extension LlamaModel {
    /// Continues every request with a KV cache, `batchSize` sequences at a time.
    ///
    /// - Parameter shouldStop: optional extra stop test on a request's generated tokens so far
    ///   (e.g. a text-level stop string checked after decoding); returning a count strips that many
    ///   trailing tokens and stops.
    public func generate(_ requests: [GenerationRequest], batchSize: Int = 32,
                         shouldStop: ((Int, [Int32]) -> Int?)? = nil,
                         progress: ((Int) -> Void)? = nil) throws -> [GenerationResult] {
        for (i, r) in requests.enumerated() {
            guard !r.prompt.isEmpty else { throw EngineError.invalidArgument("request \(i): the prompt is empty") }
            guard r.maxNewTokens >= 0 else { throw EngineError.invalidArgument("request \(i): maxNewTokens is negative") }
            if r.prompt.count > config.maxSeqLen { throw EngineError.sequenceTooLong(length: r.prompt.count, maxSeqLen: config.maxSeqLen) }
        }
        var results = [GenerationResult?](repeating: nil, count: requests.count)
        let session = InferenceSession(model: self, slots: max(1, min(batchSize, requests.count)))
        var done = 0
        var start = 0
        while start < requests.count {
            let group = Array(start..<min(start + session.slotCount, requests.count))
            session.resetAll()
            var rngs = group.map { SeededRandom(seed: requests[$0].seed) }
            var generated = [[Int32]](repeating: [], count: group.count)
            var active = Array(0..<group.count)
            var logits = try session.forward(group.enumerated().map { ($0.offset, requests[$0.element].prompt) }, logits: .last)
            while true {
                var next: [(slot: Int, tokens: [Int32])] = []
                var stillActive: [Int] = []
                let V = config.vocabSize
                for (row, slot) in active.enumerated() {
                    let req = requests[group[slot]]
                    func finish(_ reason: GenerationResult.FinishReason) {
                        results[group[slot]] = GenerationResult(tokens: generated[slot], finishReason: reason)
                        done += 1
                        progress?(done)
                    }
                    if generated[slot].count >= req.maxNewTokens { finish(.length); continue }
                    let token = logits.withUnsafeBufferPointer {
                        req.sampling.sample(UnsafeBufferPointer(rebasing: $0[(row * V)..<((row + 1) * V)]), rng: &rngs[slot])
                    }
                    generated[slot].append(token)
                    if let hit = req.stopSequences.firstIndex(where: { !$0.isEmpty && generated[slot].ends(with: $0) }) {
                        generated[slot].removeLast(req.stopSequences[hit].count)
                        finish(.stop(hit)); continue
                    }
                    if let strip = shouldStop?(group[slot], generated[slot]) {
                        generated[slot].removeLast(min(strip, generated[slot].count))
                        finish(.stop(nil)); continue
                    }
                    if generated[slot].count >= req.maxNewTokens { finish(.length); continue }
                    if session.lengths[slot] + 1 > config.maxSeqLen { finish(.contextFull); continue }
                    next.append((slot, [token]))
                    stillActive.append(slot)
                }
                if next.isEmpty { break }
                active = stillActive
                logits = try session.forward(next, logits: .last)
            }
            start += group.count
        }
        return results.map { $0! }
    }
}

extension Array where Element: Equatable {
    func ends(with suffix: [Element]) -> Bool {
        suffix.count <= count && Array(self[(count - suffix.count)...]) == suffix
    }
}
