import Foundation
import RetainPortableMath

/// Continuations to score after one shared context (e.g. the choices of a multiple-choice item).
public struct LoglikelihoodRequest: Sendable {
    public var context: [Int32]
    public var continuations: [[Int32]]
    public init(context: [Int32], continuations: [[Int32]]) {
        self.context = context; self.continuations = continuations
    }
}

public struct ContinuationScore: Sendable, Equatable {
    /// Σ log p(continuation token | everything before it).
    public var logprob: Double
    /// Whether greedy decoding from the context would produce exactly this continuation.
    public var isGreedy: Bool
    public var tokenCount: Int
}

extension LlamaModel {
    /// Scores every continuation of every request. Each context is run once and its KV cache is
    /// forked to its continuations. When context + continuation exceeds `maxSeqLen`, the context
    /// is cut from the left (as lm-evaluation-harness does).
    public func loglikelihood(_ requests: [LoglikelihoodRequest], maxSlots: Int = 64,
                              progress: ((Int) -> Void)? = nil) throws -> [[ContinuationScore]] {
        let V = config.vocabSize
        for (i, r) in requests.enumerated() {
            guard !r.context.isEmpty else { throw EngineError.invalidArgument("request \(i): the context is empty; prepend a start token") }
            guard !r.continuations.isEmpty else { throw EngineError.invalidArgument("request \(i): no continuations") }
            for c in r.continuations {
                guard !c.isEmpty else { throw EngineError.invalidArgument("request \(i): an empty continuation") }
                if let bad = c.firstIndex(where: { $0 < 0 || Int($0) >= V }) {
                    throw EngineError.tokenOutOfRange(token: Int(c[bad]), vocabSize: V, position: bad)
                }
                if c.count >= config.maxSeqLen { throw EngineError.sequenceTooLong(length: c.count + 1, maxSeqLen: config.maxSeqLen) }
            }
            if 1 + r.continuations.count > maxSlots {
                throw EngineError.invalidArgument("request \(i): \(r.continuations.count) continuations exceed maxSlots - 1 = \(maxSlots - 1)")
            }
        }
        var out: [[ContinuationScore]] = []
        out.reserveCapacity(requests.count)
        let session = InferenceSession(model: self, slots: maxSlots)
        var i = 0
        while i < requests.count {
            // Pack whole requests into the slots: one for each context, one for each continuation.
            var group: [Int] = []
            var used = 0
            while i < requests.count, used + 1 + requests[i].continuations.count <= maxSlots {
                used += 1 + requests[i].continuations.count
                group.append(i); i += 1
            }
            session.resetAll()
            var contextSlot: [Int] = [], contSlots: [[Int]] = []
            var slot = 0
            var contexts: [(slot: Int, tokens: [Int32])] = []
            for r in group {
                let req = requests[r]
                let longest = req.continuations.map(\.count).max()!
                let ctx = Array(req.context.suffix(config.maxSeqLen - longest))
                contextSlot.append(slot)
                contexts.append((slot, ctx))
                contSlots.append(Array((slot + 1)...(slot + req.continuations.count)))
                slot += 1 + req.continuations.count
            }
            let lastLogits = try session.forward(contexts, logits: .last)
            var chunks: [(slot: Int, tokens: [Int32])] = []
            var forks: [(source: Int, destination: Int)] = []
            // Every continuation in group order, with where its token logits live: its first token
            // reads its context's last row (g), the rest read consecutive rows of the continuation
            // pass from `firstRow`.
            var conts: [(g: Int, tokens: [Int32], firstRow: Int)] = []
            for (g, r) in group.enumerated() {
                for (k, cont) in requests[r].continuations.enumerated() {
                    forks.append((contextSlot[g], contSlots[g][k]))
                    if cont.count > 1 { chunks.append((contSlots[g][k], Array(cont.dropLast()))) }
                    conts.append((g, cont, (conts.last.map { $0.firstRow + $0.tokens.count - 1 }) ?? 0))
                }
            }
            session.fork(forks)
            let contLogits = chunks.isEmpty ? [] : try session.forward(chunks, logits: .all)
            // Score every continuation, spread over the engine's threads (each is independent).
            var scores = [ContinuationScore](repeating: ContinuationScore(logprob: 0, isGreedy: false, tokenCount: 0), count: conts.count)
            lastLogits.withUnsafeBufferPointer { last in
                contLogits.withUnsafeBufferPointer { rest in
                    scores.withUnsafeMutableBufferPointer { out in
                        parallelChunks(conts.count, minPerChunk: 16) { _, range in
                            for i in range {
                                let (g, cont, first) = conts[i]
                                var lp = 0.0, greedy = true
                                for (t, token) in cont.enumerated() {
                                    let logits = t == 0
                                        ? UnsafeBufferPointer(rebasing: last[(g * V)..<((g + 1) * V)])
                                        : UnsafeBufferPointer(rebasing: rest[((first + t - 1) * V)..<((first + t) * V)])
                                    lp += logSoftmax(logits, at: Int(token))
                                    if argmax(logits) != Int(token) { greedy = false }
                                }
                                out[i] = ContinuationScore(logprob: lp, isGreedy: greedy, tokenCount: cont.count)
                            }
                        }
                    }
                }
            }
            var next = 0
            for r in group {
                let n = requests[r].continuations.count
                out.append(Array(scores[next..<(next + n)]))
                next += n
            }
            progress?(out.count)
        }
        return out
    }
}

/// log softmax(x)[i], computed in double precision.
func logSoftmax(_ x: UnsafeBufferPointer<Float>, at i: Int) -> Double {
    var m = -Float.infinity
    for v in x { m = max(m, v) }
    var s = 0.0
    for v in x { s += PortableMath.exp(Double(v - m)) }
    return Double(x[i] - m) - PortableMath.log(s)
}
