import XCTest
import RetainTokenizer

final class TrainingTests: XCTestCase {
    func testMergesShortenEncoding() {
        let tok = Fixtures.tokenizer
        let text = Fixtures.english
        let ids = tok.encode(text)
        XCTAssertLessThan(Double(ids.count), Double(text.utf8.count) * 0.5, "merges should at least halve the length")
        XCTAssertTrue(ids.contains { $0 >= 256 })
    }

    func testVocabSizeReachedExactly() throws {
        let tok = try BPETokenizer.train(corpus: Fixtures.corpus, vocabSize: 256 + 50 + 4, specialTokens: SpecialTokens.chatML)
        XCTAssertEqual(tok.vocabSize, 310)
        XCTAssertEqual(tok.mergeCount, 50)
        XCTAssertEqual(tok.specialTokens, SpecialTokens.chatML)
    }

    func testSpecialTokensFollowMerges() throws {
        let tok = Fixtures.tokenizer
        let first = 256 + tok.mergeCount
        for (i, special) in SpecialTokens.chatML.enumerated() {
            XCTAssertEqual(tok.id(ofSpecial: special), first + i)
            XCTAssertEqual(tok.tokenString(first + i), special)
            XCTAssertTrue(tok.isSpecial(first + i))
        }
        XCTAssertEqual(tok.vocabSize, first + SpecialTokens.chatML.count)
        XCTAssertNil(tok.id(ofSpecial: "<|nope|>"))
        XCTAssertFalse(tok.isSpecial(first - 1))
    }

    func testStopsWhenNoPairRepeats() throws {
        // "abab": (a,b) occurs twice, then (ab,ab) only once.
        let tok = try BPETokenizer.train(corpus: ["abab"], vocabSize: 1000, specialTokens: ["<|endoftext|>"])
        XCTAssertEqual(tok.merges.map { [$0.left, $0.right] }, [[97, 98]])
        XCTAssertEqual(tok.vocabSize, 256 + 1 + 1)
        let none = try BPETokenizer.train(corpus: ["ab", "cd"], vocabSize: 1000, specialTokens: [])
        XCTAssertEqual(none.mergeCount, 0)
    }

    func testMostFrequentPairFirstTiesBySmallestIDs() throws {
        // Chunks: "ab", " cd", " ab", " cd". Pairs (32,99), (97,98), (99,100) all occur twice;
        // the smallest pair wins, then the new pair " c"+"d" ties with (97,98), which is smaller.
        let tok = try BPETokenizer.train(corpus: ["ab cd ab cd"], vocabSize: 1000, specialTokens: [])
        XCTAssertEqual(tok.merges.map { [$0.left, $0.right] }, [[32, 99], [97, 98], [256, 100]])
        XCTAssertEqual(tok.encode("ab cd"), [257, 258])
    }

    func testDeterministicAndOrderIndependent() throws {
        let a = try BPETokenizer.train(corpus: Fixtures.corpus, vocabSize: 700, specialTokens: SpecialTokens.chatML)
        let b = try BPETokenizer.train(corpus: Fixtures.corpus, vocabSize: 700, specialTokens: SpecialTokens.chatML)
        var rng = SplitMix64(seed: 5)
        let c = try BPETokenizer.train(corpus: Fixtures.corpus.shuffled(using: &rng), vocabSize: 700, specialTokens: SpecialTokens.chatML)
        XCTAssertEqual(a.merges.map { [$0.left, $0.right] }, b.merges.map { [$0.left, $0.right] })
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, c)
    }

    func testDigitsAreSingleTokens() throws {
        let corpus = (0..<300).map { "order \($0 * 1234567) costs 1000 and 2024 units 99.99" }
        let tok = try BPETokenizer.train(corpus: corpus, vocabSize: 2000, specialTokens: [])
        XCTAssertGreaterThan(tok.mergeCount, 10)
        XCTAssertEqual(tok.encode("2024"), [50, 48, 50, 52])
        XCTAssertEqual(tok.encode(" 1000").count, 5)
        for id in 256..<tok.vocabSize {
            let bytes = try tok.decodeBytes([id])
            XCTAssertFalse(bytes.contains { (0x30...0x39).contains($0) }, "merged token \(tok.tokenString(id)!) contains a digit")
        }
    }

    func testSpecialStringsInCorpusAreNotLearned() throws {
        let corpus = (0..<200).map { "<|im_start|>user\nhello \($0)<|im_end|>\n" }
        let tok = try BPETokenizer.train(corpus: corpus, vocabSize: 1000, specialTokens: SpecialTokens.chatML)
        for id in 256..<(256 + tok.mergeCount) {
            let token = tok.tokenString(id)!
            XCTAssertFalse(token.contains("start") || token.contains("<|") || token == "im", "learned \(token)")
        }
        // Without the specials declared, the same text is ordinary and does get merged.
        let plain = try BPETokenizer.train(corpus: corpus, vocabSize: 1000, specialTokens: [])
        XCTAssertTrue((256..<plain.vocabSize).contains { plain.tokenString($0)!.contains("start") })
    }

    func testInvalidArgumentsThrow() {
        XCTAssertThrowsError(try BPETokenizer.train(corpus: ["abc"], vocabSize: 258, specialTokens: SpecialTokens.chatML)) {
            XCTAssertEqual($0 as? TokenizerError, .invalidVocabSize(requested: 258, minimum: 260))
        }
        XCTAssertThrowsError(try BPETokenizer.train(corpus: ["abc"], vocabSize: 500, specialTokens: ["<|a|>", "<|a|>"])) {
            guard case .invalidSpecialToken? = $0 as? TokenizerError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try BPETokenizer.train(corpus: ["abc"], vocabSize: 500, specialTokens: [""]))
    }

    func testSpecialMatchingIsLongestFirst() throws {
        let tok = try BPETokenizer.train(corpus: ["x"], vocabSize: 300, specialTokens: ["<|a|>", "<|a|>b"])
        let short = tok.id(ofSpecial: "<|a|>")!, long = tok.id(ofSpecial: "<|a|>b")!
        XCTAssertEqual(tok.encode("<|a|>b<|a|>", allowSpecial: true), [long, short])
        XCTAssertEqual(tok.encode("<|a|>", allowSpecial: false).count, 5)
    }

    /// The incremental trainer learns exactly the merges of a naive trainer that recounts all
    /// pairs after every merge.
    func testIncrementalTrainerMatchesNaiveReference() throws {
        let corpus = Array(Fixtures.corpus.prefix(150))
        let merges = 300
        let tok = try BPETokenizer.train(corpus: corpus, vocabSize: 256 + merges, specialTokens: [])

        var words: [[Int]: Int] = [:]
        for text in corpus {
            for chunk in PreTokenizer.split(text) { words[chunk.utf8.map(Int.init), default: 0] += 1 }
        }
        var reference: [[Int]] = []
        while reference.count < merges {
            var counts: [[Int]: Int] = [:]
            for (word, f) in words where word.count > 1 {
                for j in 0..<(word.count - 1) { counts[[word[j], word[j + 1]], default: 0] += f }
            }
            guard let best = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key.lexicographicallyPrecedes($1.key) == false }),
                  best.value >= 2 else { break }
            let newID = 256 + reference.count
            reference.append(best.key)
            var next: [[Int]: Int] = [:]
            for (word, f) in words {
                var merged: [Int] = [], j = 0
                while j < word.count {
                    if j + 1 < word.count, word[j] == best.key[0], word[j + 1] == best.key[1] { merged.append(newID); j += 2 }
                    else { merged.append(word[j]); j += 1 }
                }
                next[merged, default: 0] += f
            }
            words = next
        }
        XCTAssertEqual(reference.count, merges)
        XCTAssertEqual(tok.merges.map { [$0.left, $0.right] }, reference)
    }
}
