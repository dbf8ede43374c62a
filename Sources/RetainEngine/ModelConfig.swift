import Foundation

/// Hyperparameters of a Llama-architecture decoder.
///
/// Dimension legend used across the engine (after llm.c):
/// - `B` batch, `T` time (sequence position), `R` rows = total tokens in a step,
/// - `C` model width (`dModel`), `H` query heads, `K` key/value heads, `D` head width = C / H,
/// - `F` SwiGLU hidden width, `V` vocabulary, `L` layers.
public struct ModelConfig: Codable, Hashable, Sendable {
    /// Tokens in the vocabulary; 1024 is enough for a byte-level BPE over the built-in world.
    public var vocabSize: Int = 1024
    /// Residual stream width; 128 trains in minutes on two cores.
    public var dModel: Int = 128
    /// Transformer blocks; 4 gives depth for composition without slowing steps much.
    public var nLayers: Int = 4
    /// Query heads; 8 heads of width 16 keep per-head attention cheap.
    public var nHeads: Int = 8
    /// Key/value heads (grouped-query attention when smaller than `nHeads`); equal means plain MHA.
    public var nKVHeads: Int = 8
    /// SwiGLU hidden width; about 8/3 · dModel keeps parameters equal to a 4× GELU MLP.
    public var ffnHidden: Int = 384
    /// Longest sequence the model is trained and sampled at; bounds the KV cache.
    public var maxSeqLen: Int = 128
    /// RoPE base frequency; 10000 is the Llama default and ample for short contexts.
    public var ropeTheta: Float = 10_000
    /// RMSNorm epsilon; 1e-5 as in Llama, keeps rsqrt finite for zero rows.
    public var normEps: Float = 1e-5
    /// Share the embedding matrix with the LM head; off by default (Llama-3 style untied head).
    public var tiedEmbeddings: Bool = false
    /// Standard deviation of the normal initialisation of matrices (GPT-2 / nanoGPT value).
    public var initStd: Float = 0.02

    public init() {}

    public init(vocabSize: Int = 1024, dModel: Int = 128, nLayers: Int = 4, nHeads: Int = 8,
                nKVHeads: Int? = nil, ffnHidden: Int = 384, maxSeqLen: Int = 128,
                ropeTheta: Float = 10_000, normEps: Float = 1e-5, tiedEmbeddings: Bool = false,
                initStd: Float = 0.02) {
        self.vocabSize = vocabSize
        self.dModel = dModel
        self.nLayers = nLayers
        self.nHeads = nHeads
        self.nKVHeads = nKVHeads ?? nHeads
        self.ffnHidden = ffnHidden
        self.maxSeqLen = maxSeqLen
        self.ropeTheta = ropeTheta
        self.normEps = normEps
        self.tiedEmbeddings = tiedEmbeddings
        self.initStd = initStd
    }

    /// Width of one attention head (`D`).
    public var headDim: Int { dModel / nHeads }
    /// Width of the key and value projections (`K · D`).
    public var kvDim: Int { nKVHeads * headDim }

    /// Checks every field and throws a `ModelConfigError` naming the first bad one.
    public func validate() throws {
        func fail(_ field: String, _ value: Any, _ expected: String) -> ModelConfigError {
            ModelConfigError(field: field, value: "\(value)", expected: expected)
        }
        // Upper bounds keep a hand-edited file from asking for absurd allocations.
        if vocabSize < 2 || vocabSize > 1 << 22 { throw fail("vocabSize", vocabSize, "an integer in 2...\(1 << 22)") }
        if dModel < 1 || dModel > 1 << 16 { throw fail("dModel", dModel, "an integer in 1...\(1 << 16)") }
        if nLayers < 1 || nLayers > 1024 { throw fail("nLayers", nLayers, "an integer in 1...1024") }
        if nHeads < 1 { throw fail("nHeads", nHeads, "a positive integer") }
        if dModel % nHeads != 0 {
            throw fail("nHeads", nHeads, "a divisor of dModel (\(dModel))")
        }
        if headDim % 2 != 0 {
            throw fail("nHeads", nHeads, "a value making dModel / nHeads even, since RoPE rotates pairs (head width is \(headDim))")
        }
        if nKVHeads < 1 || nHeads % nKVHeads != 0 {
            throw fail("nKVHeads", nKVHeads, "a positive divisor of nHeads (\(nHeads))")
        }
        if ffnHidden < 1 || ffnHidden > 1 << 18 { throw fail("ffnHidden", ffnHidden, "an integer in 1...\(1 << 18)") }
        if maxSeqLen < 1 || maxSeqLen > 1 << 20 { throw fail("maxSeqLen", maxSeqLen, "an integer in 1...\(1 << 20)") }
        if !(ropeTheta > 1) || !ropeTheta.isFinite { throw fail("ropeTheta", ropeTheta, "a finite number > 1") }
        if !(normEps > 0) || !normEps.isFinite { throw fail("normEps", normEps, "a finite number > 0") }
        if !(initStd > 0) || !initStd.isFinite { throw fail("initStd", initStd, "a finite number > 0") }
    }
}

extension ModelConfig {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case vocabSize, dModel, nLayers, nHeads, nKVHeads, ffnHidden, maxSeqLen, ropeTheta, normEps, tiedEmbeddings, initStd
    }

    /// Decodes a config in which every field is optional (missing fields take their defaults);
    /// unknown keys are rejected so that a misspelt field does not silently fall back to a default.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw ModelConfigError(field: unknown, value: "(present)",
                                   expected: "one of " + CodingKeys.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // A number of the wrong kind (16.5 or 1e30 for an Int, 1e300 for a Float) is valid JSON, but
        // Foundation on Linux throws an internal error for it that JSONDecoder reports as "not valid
        // JSON" with no coding path (Darwin: dataCorrupted); name the field instead.
        func value<T: Decodable>(_ type: T.Type, _ key: CodingKeys, _ expected: String) throws -> T? {
            do {
                return try c.decodeIfPresent(T.self, forKey: key)
            } catch let e as DecodingError {
                guard case .dataCorrupted = e else { throw e }
                throw ModelConfigError(field: key.rawValue, value: number(key), expected: expected)
            } catch {
                throw ModelConfigError(field: key.rawValue, value: number(key), expected: expected)
            }
        }
        func number(_ key: CodingKeys) -> String {
            (try? c.decodeIfPresent(Double.self, forKey: key)).flatMap { $0 }.map { "\($0)" } ?? "(unreadable)"
        }
        let int = "an integer that fits in Int", float = "a number that fits in Float"
        var cfg = ModelConfig()
        cfg.vocabSize = try value(Int.self, .vocabSize, int) ?? cfg.vocabSize
        cfg.dModel = try value(Int.self, .dModel, int) ?? cfg.dModel
        cfg.nLayers = try value(Int.self, .nLayers, int) ?? cfg.nLayers
        cfg.nHeads = try value(Int.self, .nHeads, int) ?? cfg.nHeads
        cfg.nKVHeads = try value(Int.self, .nKVHeads, int) ?? cfg.nHeads
        cfg.ffnHidden = try value(Int.self, .ffnHidden, int) ?? cfg.ffnHidden
        cfg.maxSeqLen = try value(Int.self, .maxSeqLen, int) ?? cfg.maxSeqLen
        cfg.ropeTheta = try value(Float.self, .ropeTheta, float) ?? cfg.ropeTheta
        cfg.normEps = try value(Float.self, .normEps, float) ?? cfg.normEps
        cfg.tiedEmbeddings = try value(Bool.self, .tiedEmbeddings, "true or false") ?? cfg.tiedEmbeddings
        cfg.initStd = try value(Float.self, .initStd, float) ?? cfg.initStd
        self = cfg
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A configuration field holds a value the engine cannot use.
public struct ModelConfigError: Error, CustomStringConvertible, Equatable {
    public var field: String
    public var value: String
    public var expected: String
    public var description: String { "invalid model config: \(field) = \(value); expected \(expected)" }
}
