import RetainEngine
import RetainTokenizer

/// One tokenised training example: token ids and a loss weight per token.
/// The weight of token i applies to predicting token i (so it is paired with target i).
public struct WeightedTokens: Sendable, Hashable {
    public var ids: [Int32]
    public var weights: [Float]
    public init(ids: [Int32], weights: [Float]) { self.ids = ids; self.weights = weights }
}

/// Loss weights per chat role for supervised fine-tuning.
public struct RoleWeights: Codable, Hashable, Sendable {
    /// Assistant content and its closing <|im_end|>: what SFT teaches.
    public var assistant: Float = 1
    /// User content: a small weight teaches the model to write instructions after the user-turn
    /// prefix, which pre-query instruction reconstruction relies on. 0 is plain assistant-only SFT.
    public var user: Float = 0
    /// System content and template tokens are never trained.
    public var system: Float = 0

    public init(assistant: Float = 1, user: Float = 0, system: Float = 0) {
        self.assistant = assistant; self.user = user; self.system = system
    }

    func weight(_ role: ChatRole?) -> Float {
        switch role {
        case .assistant?: return assistant
        case .user?: return user
        case .system?: return system
        case nil: return 0
        }
    }
}

/// Turns text into weighted token sequences and packs them into fixed-length training rows.
public struct TokenPacker: Sendable {
    public let tokenizer: BPETokenizer
    public let template: ChatTemplate
    let endOfText: Int32

    public init(tokenizer: BPETokenizer, template: ChatTemplate = ChatTemplate()) throws {
        guard let eot = tokenizer.id(ofSpecial: SpecialTokens.endOfText) else {
            throw TokenizerError.missingSpecialToken(SpecialTokens.endOfText)
        }
        self.tokenizer = tokenizer
        self.template = template
        endOfText = Int32(eot)
    }

    /// A chat, weighted by role. The sequence starts with <|endoftext|>, which separates packed
    /// examples and serves as the beginning-of-sequence token (`EmbeddedLM` prompts start with it too).
    public func chat(_ messages: [ChatMessage], weights: RoleWeights) throws -> WeightedTokens {
        let enc = try template.encode(messages, with: tokenizer)
        return WeightedTokens(ids: [endOfText] + enc.ids.map(Int32.init),
                              weights: [0] + enc.roles.map { weights.weight($0) })
    }

    /// Plain text (pretraining), every token weighted 1, preceded by <|endoftext|>.
    public func document(_ text: String) -> WeightedTokens {
        let ids = tokenizer.encode(text, allowSpecial: false).map(Int32.init)
        return WeightedTokens(ids: [endOfText] + ids, weights: [0] + [Float](repeating: 1, count: ids.count))
    }

    /// Packs examples, in order, into rows of `length` tokens (`length − 1` predictions each).
    /// An example never straddles two rows unless it alone is longer than a row, in which case it
    /// is cut into row-sized pieces. Unused tail positions are <|endoftext|> with weight 0.
    public func pack(_ examples: [WeightedTokens], length: Int) -> [WeightedTokens] {
        var rows: [WeightedTokens] = []
        var ids: [Int32] = [], w: [Float] = []
        func flush() {
            guard !ids.isEmpty, w.contains(where: { $0 > 0 }) else { ids = []; w = []; return }
            let pad = length - ids.count
            rows.append(WeightedTokens(ids: ids + [Int32](repeating: endOfText, count: pad),
                                       weights: w + [Float](repeating: 0, count: pad)))
            ids = []; w = []
        }
        for ex in examples {
            if ids.count + ex.ids.count > length { flush() }
            var start = 0
            while ex.ids.count - start > length {
                ids = Array(ex.ids[start..<(start + length)]); w = Array(ex.weights[start..<(start + length)])
                flush()
                start += length - 1   // the next piece repeats the last token as its context
            }
            ids += ex.ids[start...]; w += ex.weights[start...]
        }
        flush()
        return rows
    }
}

extension TrainingBatch {
    /// A [B, T] batch from rows of T + 1 tokens: inputs are tokens 0..<T, targets 1...T, and the
    /// weight of a prediction is the weight of its target token.
    public init(rows: ArraySlice<WeightedTokens>) throws {
        guard let first = rows.first else { throw EngineError.invalidArgument("empty batch") }
        let T = first.ids.count - 1
        var tokens: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        tokens.reserveCapacity(rows.count * T); targets.reserveCapacity(rows.count * T); weights.reserveCapacity(rows.count * T)
        for r in rows {
            guard r.ids.count == T + 1, r.weights.count == T + 1 else {
                throw EngineError.shapeMismatch(what: "packed row", expected: T + 1, got: r.ids.count)
            }
            tokens += r.ids.dropLast(); targets += r.ids.dropFirst(); weights += r.weights.dropFirst()
        }
        try self.init(batchSize: rows.count, seqLen: T, tokens: tokens, targets: targets, weights: weights)
    }
}
