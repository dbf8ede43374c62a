import XCTest
@testable import RetainTokenizer

final class RoundTripTests: XCTestCase {
    /// decode(encode(s)) == s byte for byte for random strings, for both allowSpecial values,
    /// and allowSpecial: false never yields a special id.
    func testRandomStringsRoundTrip() throws {
        let tok = Fixtures.tokenizer
        XCTAssertGreaterThan(tok.mergeCount, 300, "fixture should have learned many merges")
        let specialIDs = Set(SpecialTokens.chatML.map { tok.id(ofSpecial: $0)! })
        var rng = SplitMix64(seed: 0x5EED)
        var sawSpecialText = 0
        for _ in 0..<2500 {
            let s = RandomText.string(using: &rng)
            let plain = tok.encode(s, allowSpecial: false)
            XCTAssertEqual(Array(try tok.decode(plain).utf8), Array(s.utf8), "allowSpecial false: \(s.debugDescription)")
            XCTAssertEqual(try tok.decodeBytes(plain), Array(s.utf8))
            XCTAssertFalse(plain.contains(where: specialIDs.contains), "special id injected by \(s.debugDescription)")

            let special = tok.encode(s, allowSpecial: true)
            XCTAssertEqual(Array(try tok.decode(special).utf8), Array(s.utf8), "allowSpecial true: \(s.debugDescription)")
            let expected = SpecialTokens.chatML.reduce(0) { $0 + occurrences(of: $1, in: s) }
            XCTAssertEqual(special.filter(specialIDs.contains).count, expected, "special count for \(s.debugDescription)")
            if expected > 0 { sawSpecialText += 1 }
        }
        XCTAssertGreaterThan(sawSpecialText, 500, "generator should embed special-token text often")
    }

    /// Strings made only of random scalars (all planes) round-trip too.
    func testRandomScalarsRoundTrip() throws {
        let tok = Fixtures.tokenizer
        var rng = SplitMix64(seed: 7)
        for _ in 0..<500 {
            var s = ""
            for _ in 0..<Int.random(in: 1...60, using: &rng) { s.unicodeScalars.append(RandomText.randomScalar(using: &rng)) }
            XCTAssertEqual(Array(try tok.decode(tok.encode(s)).utf8), Array(s.utf8))
        }
    }

    /// Canonically equivalent but byte-different strings must not share a cache entry.
    func testCanonicallyEquivalentStringsStayDistinct() throws {
        let tok = Fixtures.tokenizer
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        XCTAssertEqual(composed, decomposed) // Swift String equality is canonical...
        XCTAssertEqual(Array(try tok.decode(tok.encode(composed)).utf8), Array(composed.utf8))
        XCTAssertEqual(Array(try tok.decode(tok.encode(decomposed)).utf8), Array(decomposed.utf8)) // ...bytes are not.
    }

    func testEmptyString() throws {
        XCTAssertEqual(Fixtures.tokenizer.encode(""), [])
        XCTAssertEqual(try Fixtures.tokenizer.decode([]), "")
    }

    func testCutMultibyteCharacterDecodesToReplacement() throws {
        let tok = Fixtures.tokenizer
        XCTAssertEqual(try tok.decode([0xE4, 0xB8]), "\u{FFFD}")
        XCTAssertEqual(try tok.decode(Array("a".utf8).map(Int.init) + [0xF0]), "a\u{FFFD}")
    }

    func testUnknownIDThrows() {
        let tok = Fixtures.tokenizer
        XCTAssertThrowsError(try tok.decode([97, tok.vocabSize])) { error in
            XCTAssertEqual(error as? TokenizerError, .unknownTokenID(tok.vocabSize))
            XCTAssertTrue("\(error)".contains("\(tok.vocabSize)"))
        }
        XCTAssertThrowsError(try tok.decodeBytes([-1])) { XCTAssertEqual($0 as? TokenizerError, .unknownTokenID(-1)) }
    }

    /// The linked-list/heap merge (long chunks) and the simple merge (short chunks) agree.
    func testHeapMergeMatchesSimpleMerge() {
        let tok = Fixtures.tokenizer
        var rng = SplitMix64(seed: 3)
        var inputs: [[UInt8]] = [Array(String(repeating: "a", count: 301).utf8),
                                 Array(String(repeating: " ", count: 100).utf8),
                                 Array(String(repeating: "中文", count: 50).utf8)]
        for _ in 0..<300 {
            let words = ["the", "he", "th", "e", "value", "ll", "o", "中", "文", "é", "😀", "x"]
            inputs.append(Array((0..<Int.random(in: 1...80, using: &rng)).map { _ in words.randomElement(using: &rng)! }.joined().utf8))
        }
        for bytes in inputs {
            bytes.withUnsafeBufferPointer { buf in
                XCTAssertEqual(tok.mergeChunkSimple(buf), tok.mergeChunkHeap(buf), String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    /// A long chunk (handled by the heap path) still round-trips and compresses.
    func testLongChunk() throws {
        let tok = Fixtures.tokenizer
        let s = String(repeating: "thequickbrownfox", count: 500)
        let ids = tok.encode(s)
        XCTAssertLessThan(ids.count, s.utf8.count / 2)
        XCTAssertEqual(try tok.decode(ids), s)
    }

    /// The same tokenizer value gives identical results from many threads at once.
    func testConcurrentEncoding() {
        let tok = try! BPETokenizer.train(corpus: Fixtures.corpus, vocabSize: 600, specialTokens: SpecialTokens.chatML)
        var rng = SplitMix64(seed: 11)
        let texts = (0..<200).map { _ in RandomText.string(using: &rng) }
        let reference = texts.map { text -> [Int] in
            let fresh = try! BPETokenizer(merges: tok.merges, specialTokens: tok.specialTokens) // own cache
            return fresh.encode(text, allowSpecial: true)
        }
        let results = UnsafeMutableBufferPointer<[Int]>.allocate(capacity: texts.count * 4)
        defer { results.deallocate() }
        results.initialize(repeating: [])
        DispatchQueue.concurrentPerform(iterations: texts.count * 4) { i in
            results[i] = tok.encode(texts[i % texts.count], allowSpecial: true)
        }
        for i in 0..<(texts.count * 4) { XCTAssertEqual(results[i], reference[i % texts.count]) }
    }
}
