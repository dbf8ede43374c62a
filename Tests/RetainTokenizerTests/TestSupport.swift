import Foundation
@testable import RetainTokenizer

/// Tiny deterministic RNG for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fixtures {
    static let english = """
    The quick brown fox jumps over the lazy dog. The dog didn't mind; it was sleeping in the sun.
    In 2024 the team trained 12 small models and measured 345 results, then wrote them down.
    Question: what is 17 + 25? Answer: 42. Question: what is 100 - 58? Answer: 42.
    She said: "I'll be there at 10:30, don't worry." They're going to the market together.
    Café, naïve, résumé — these words have accents. 中文文本也可以分词。 Emoji: 😀😀 🎉.
    def train(model, data):\n    for batch in data:\n        loss = model(batch)\n        loss.backward()
    """

    /// A few KB of text with repetition, numbers, code, and multi-byte characters.
    static var corpus: [String] {
        var docs: [String] = []
        for i in 0..<40 {
            docs.append(english)
            docs.append("Document \(i): the value is \(i * 37 % 1000) and the other value is \(i * 91).")
        }
        var rng = SplitMix64(seed: 99)
        for _ in 0..<200 { docs.append(RandomText.string(using: &rng)) }
        return docs
    }

    /// A tokenizer with a few hundred merges and the ChatML specials.
    static let tokenizer: BPETokenizer = {
        try! BPETokenizer.train(corpus: corpus, vocabSize: 256 + 600 + SpecialTokens.chatML.count,
                                specialTokens: SpecialTokens.chatML)
    }()
}

/// Generator of random valid strings mixing scripts, whitespace and special-token text.
enum RandomText {
    static let pieces: [String] = [
        "hello", "world", " the", "The", "don't", " it’s", "a", "Z", "x", "0", "7", "42", "2024", "3.14",
        " ", "  ", "    ", "\n", "\n\n", "\t", "\r\n", " \n ", ".", ",", "!?", "->", "==", "'", "\"", "(", ")",
        "é", "e\u{301}", "\u{301}", "ñ", "ü", "中", "文字", "😀", "🎉🎉", "👍🏽", "🇫🇷", "한국어", "٣", "१२",
        "\u{00A0}", "\u{2028}", "\u{0}", "\u{7F}", "\u{FEFF}",
        "<|", "|>", "<|im_", "end|>", "<|im_start", "|im_end|>",
    ] + SpecialTokens.chatML

    /// A random string of 0–40 pieces; some pieces are random scalars from all planes.
    static func string(using rng: inout SplitMix64) -> String {
        var s = ""
        let count = Int.random(in: 0...40, using: &rng)
        for _ in 0..<count {
            if Int.random(in: 0..<6, using: &rng) == 0 {
                s.unicodeScalars.append(randomScalar(using: &rng))
            } else {
                s += pieces.randomElement(using: &rng)!
            }
        }
        return s
    }

    static func randomScalar(using rng: inout SplitMix64) -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF]
        while true {
            let range = ranges.randomElement(using: &rng)!
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &rng)) { return scalar }
        }
    }
}

/// Number of non-overlapping occurrences of `needle` in `haystack`, compared byte-wise.
func occurrences(of needle: String, in haystack: String) -> Int {
    let h = Array(haystack.utf8), n = Array(needle.utf8)
    var count = 0, i = 0
    while i + n.count <= h.count {
        if Array(h[i..<(i + n.count)]) == n { count += 1; i += n.count } else { i += 1 }
    }
    return count
}
