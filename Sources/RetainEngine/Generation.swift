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
    /// Continues every request with a KV cache over `batchSize` slots, with continuous batching:
    /// when a sequence finishes, the next request's prompt takes its slot in the very next forward
    /// (prefilled alongside the other slots' one-token steps), so steps keep about `batchSize`
    /// rows instead of draining to a few long stragglers. Each request samples from its own
    /// seeded stream, so its output does not depend on which requests share its steps.
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
        if requests.isEmpty { return [] }
        let session = InferenceSession(model: self, slots: max(1, min(batchSize, requests.count)))
        let V = config.vocabSize
        // Per slot: the request it is serving, that request's random stream and its tokens so far.
        var owner = [Int?](repeating: nil, count: session.slotCount)
        var rngs = [SeededRandom](repeating: SeededRandom(seed: 0), count: session.slotCount)
        var generated = [[Int32]](repeating: [], count: session.slotCount)
        var nextRequest = 0, done = 0
        var chunks: [(slot: Int, tokens: [Int32])] = []
        func start(_ slot: Int) {
            guard nextRequest < requests.count else { return }
            let i = nextRequest
            nextRequest += 1
            session.reset(slot: slot)
            owner[slot] = i
            rngs[slot] = SeededRandom(seed: requests[i].seed)
            generated[slot] = []
            chunks.append((slot, requests[i].prompt))
        }
        for slot in 0..<session.slotCount { start(slot) }
        while !chunks.isEmpty {
            let logits = try session.forward(chunks, logits: .last)
            let rows = chunks.map(\.slot)
            chunks = []
            // Draw every row's next token first, on every thread: each row reads only its own
            // logits and advances only its own slot's random stream.
            var sampled = [Int32](repeating: -1, count: rows.count)
            logits.withUnsafeBufferPointer { all in
                sampled.withUnsafeMutableBufferPointer { out in
                    rngs.withUnsafeMutableBufferPointer { streams in
                        parallelChunks(rows.count, minPerChunk: 8) { _, range in
                            for row in range {
                                let slot = rows[row], req = requests[owner[slot]!]
                                guard generated[slot].count < req.maxNewTokens else { continue }
                                out[row] = req.sampling.sample(UnsafeBufferPointer(rebasing: all[(row * V)..<((row + 1) * V)]),
                                                               rng: &streams[slot])
                            }
                        }
                    }
                }
            }
            for (row, slot) in rows.enumerated() {
                let i = owner[slot]!
                let req = requests[i]
                func finish(_ reason: GenerationResult.FinishReason) {
                    results[i] = GenerationResult(tokens: generated[slot], finishReason: reason)
                    owner[slot] = nil
                    done += 1
                    progress?(done)
                    start(slot)
                }
                if generated[slot].count >= req.maxNewTokens { finish(.length); continue }
                let token = sampled[row]
                generated[slot].append(token)
                if let hit = req.stopSequences.firstIndex(where: { !$0.isEmpty && generated[slot].ends(with: $0) }) {
                    generated[slot].removeLast(req.stopSequences[hit].count)
                    finish(.stop(hit)); continue
                }
                if let strip = shouldStop?(i, generated[slot]) {
                    generated[slot].removeLast(min(strip, generated[slot].count))
                    finish(.stop(nil)); continue
                }
                if generated[slot].count >= req.maxNewTokens { finish(.length); continue }
                if session.lengths[slot] + 1 > config.maxSeqLen { finish(.contextFull); continue }
                chunks.append((slot, [token]))
            }
        }
        return results.map { $0! }
    }
}

extension Array where Element: Equatable {
    func ends(with suffix: [Element]) -> Bool {
        suffix.count <= count && Array(self[(count - suffix.count)...]) == suffix
    }
}
