import XCTest
import RetainTokenizer

final class PreTokenizerTests: XCTestCase {
    func testWordsTakeOneLeadingSpace() {
        XCTAssertEqual(PreTokenizer.split("Hello world"), ["Hello", " world"])
        XCTAssertEqual(PreTokenizer.split("a   b"), ["a", "  ", " b"])
        XCTAssertEqual(PreTokenizer.split("\t hi"), ["\t", " hi"])
    }

    func testContractionsStayWhole() {
        XCTAssertEqual(PreTokenizer.split("I don't know"), ["I", " don't", " know"])
        XCTAssertEqual(PreTokenizer.split("it’s 'quoted'"), ["it’s", " '", "quoted", "'"])
    }

    func testEveryDigitIsItsOwnChunk() {
        XCTAssertEqual(PreTokenizer.split("x = 2024;"), ["x", " =", " ", "2", "0", "2", "4", ";"])
        XCTAssertEqual(PreTokenizer.split("v1.25"), ["v", "1", ".", "2", "5"])
        XCTAssertEqual(PreTokenizer.split("٣४"), ["٣", "४"]) // Arabic-Indic and Devanagari digits
    }

    func testPunctuationRunsTakeOneLeadingSpace() {
        XCTAssertEqual(PreTokenizer.split("a -> b!!"), ["a", " ->", " b", "!!"])
        XCTAssertEqual(PreTokenizer.split("😀🎉 ok"), ["😀🎉", " ok"])
    }

    func testNewlinesAreSeparateFromSpaces() {
        XCTAssertEqual(PreTokenizer.split("line\n\nnext"), ["line", "\n\n", "next"])
        XCTAssertEqual(PreTokenizer.split("a  \n    foo"), ["a", "  ", "\n", "   ", " foo"])
        XCTAssertEqual(PreTokenizer.split("a\r\n"), ["a", "\r\n"])
    }

    func testUnicodeLettersAndCombiningMarks() {
        XCTAssertEqual(PreTokenizer.split("café e\u{301}t\u{E9} 中文"), ["café", " e\u{301}t\u{E9}", " 中文"])
    }

    func testChunksConcatenateToInput() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<500 {
            let s = RandomText.string(using: &rng)
            let chunks = PreTokenizer.split(s)
            XCTAssertEqual(Array(chunks.joined().utf8), Array(s.utf8))
            XCTAssertFalse(chunks.contains(""))
        }
    }
}
