import XCTest
import RetainTokenizer

final class SerializationTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("retain-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testSaveLoadRoundTrip() throws {
        let tok = Fixtures.tokenizer
        let url = directory.appendingPathComponent("tokenizer.json")
        try tok.save(to: url)
        let loaded = try BPETokenizer.load(from: url)
        XCTAssertEqual(loaded, tok)
        XCTAssertEqual(loaded.vocabSize, tok.vocabSize)
        XCTAssertEqual(loaded.id(ofSpecial: SpecialTokens.imEnd), tok.id(ofSpecial: SpecialTokens.imEnd))
        var rng = SplitMix64(seed: 21)
        for _ in 0..<200 {
            let s = RandomText.string(using: &rng)
            XCTAssertEqual(loaded.encode(s, allowSpecial: true), tok.encode(s, allowSpecial: true))
        }
    }

    /// Writes `json` to a file named `name`, loads it, and returns the error description,
    /// which must be a `TokenizerError.malformedFile` naming the file.
    private func loadError(_ json: String, name: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let url = directory.appendingPathComponent(name)
        try! Data(json.utf8).write(to: url)
        do {
            _ = try BPETokenizer.load(from: url)
            XCTFail("loading \(name) should fail", file: file, line: line)
            return ""
        } catch let error as TokenizerError {
            guard case .malformedFile = error else {
                XCTFail("expected malformedFile, got \(error)", file: file, line: line)
                return ""
            }
            XCTAssertTrue(error.description.contains(name), "no file name in: \(error)", file: file, line: line)
            return error.description
        } catch {
            XCTFail("expected TokenizerError, got \(error)", file: file, line: line)
            return ""
        }
    }

    private func json(version: String = "1", format: String = "\"retain-bpe\"", merges: String = "[[97,98],[256,99]]",
                      specials: String = #"["<|endoftext|>","<|im_start|>"]"#) -> String {
        #"{"format":\#(format),"version":\#(version),"merges":\#(merges),"specialTokens":\#(specials)}"#
    }

    func testValidHandWrittenFileLoads() throws {
        let url = directory.appendingPathComponent("ok.json")
        try Data(json().utf8).write(to: url)
        let tok = try BPETokenizer.load(from: url)
        XCTAssertEqual(tok.encode("abc"), [257])
        XCTAssertEqual(tok.id(ofSpecial: "<|im_start|>"), 259)
    }

    func testTruncatedFile() throws {
        let url = directory.appendingPathComponent("full.json")
        try Fixtures.tokenizer.save(to: url)
        let data = try Data(contentsOf: url)
        let message = loadError(String(decoding: data.prefix(data.count / 2), as: UTF8.self), name: "half.json")
        XCTAssertTrue(message.contains("JSON") && message.contains("truncated"), message)
        _ = loadError("", name: "empty.json")
    }

    func testWrongTypes() {
        XCTAssertTrue(loadError(json(version: "\"1\""), name: "v.json").contains("version"))
        let m = loadError(json(merges: #"[[97,"b"]]"#), name: "m.json")
        XCTAssertTrue(m.contains("merges[0][1]"), m)
        XCTAssertTrue(loadError(json(specials: "[1]"), name: "s.json").contains("specialTokens"))
        XCTAssertTrue(loadError("[1,2,3]", name: "array.json").contains("top level"))
        XCTAssertTrue(loadError(json(merges: "null"), name: "null.json").contains("merges"))
    }

    func testMissingField() {
        let message = loadError(#"{"format":"retain-bpe","version":1,"merges":[]}"#, name: "missing.json")
        XCTAssertTrue(message.contains("specialTokens"), message)
    }

    func testMergeReferencingUndefinedID() {
        // Merge 1 may only use ids 0..<257.
        let message = loadError(json(merges: "[[97,98],[257,99]]"), name: "forward.json")
        XCTAssertTrue(message.contains("merges[1]") && message.contains("257") && message.contains("not defined"), message)
        XCTAssertTrue(loadError(json(merges: "[[-1,98]]"), name: "negative.json").contains("merges[0]"))
        XCTAssertTrue(loadError(json(merges: "[[97,98,99]]"), name: "triple.json").contains("merges[0]"))
        XCTAssertTrue(loadError(json(merges: "[[97,98],[97,98]]"), name: "dup.json").contains("repeats"))
    }

    func testBadHeaderAndSpecials() {
        XCTAssertTrue(loadError(json(version: "2"), name: "v2.json").contains("version"))
        XCTAssertTrue(loadError(json(format: "\"gpt2\""), name: "fmt.json").contains("format"))
        let dup = loadError(json(specials: #"["<|a|>","<|a|>"]"#), name: "dupspecial.json")
        XCTAssertTrue(dup.contains("specialTokens") && dup.contains("more than once"), dup)
    }

    func testMissingFileThrowsReadError() {
        let url = directory.appendingPathComponent("nope.json")
        XCTAssertThrowsError(try BPETokenizer.load(from: url)) { error in
            guard case .fileReadFailed? = error as? TokenizerError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("nope.json"))
        }
    }
}
