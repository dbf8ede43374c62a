import Foundation
import XCTest
@testable import RetainEngine

final class ModelConfigDecodingTests: XCTestCase {
    private func decode(_ json: String) throws -> ModelConfig {
        try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
    }

    /// Asserts that `config.validate()` throws a `ModelConfigError` for `field`.
    private func assertInvalid(_ field: String, _ mutate: (inout ModelConfig) -> Void,
                               file: StaticString = #filePath, line: UInt = #line) {
        var c = ModelConfig()
        mutate(&c)
        XCTAssertThrowsError(try c.validate(), "expected \(field) to be rejected", file: file, line: line) { e in
            guard let e = e as? ModelConfigError else {
                return XCTFail("expected ModelConfigError, got \(e)", file: file, line: line)
            }
            XCTAssertEqual(e.field, field, "\(e)", file: file, line: line)
            XCTAssertTrue(e.description.contains(field), e.description, file: file, line: line)
        }
    }

    func testEmptyObjectDecodesToDefaults() throws {
        XCTAssertEqual(try decode("{}"), ModelConfig())
        XCTAssertNoThrow(try decode("{}").validate())
    }

    func testPartialObjectOverridesOnlyGivenFields() throws {
        let c = try decode(#"{"dModel": 64, "tiedEmbeddings": true, "normEps": 0.001}"#)
        var expected = ModelConfig()
        expected.dModel = 64
        expected.tiedEmbeddings = true
        expected.normEps = 0.001
        XCTAssertEqual(c, expected)
        XCTAssertNotEqual(c, ModelConfig())
    }

    func testKVHeadsDefaultsToHeads() throws {
        let c = try decode(#"{"nHeads": 4}"#)
        XCTAssertEqual(c.nHeads, 4)
        XCTAssertEqual(c.nKVHeads, 4)
        let gqa = try decode(#"{"nHeads": 4, "nKVHeads": 2}"#)
        XCTAssertEqual(gqa.nHeads, 4)
        XCTAssertEqual(gqa.nKVHeads, 2)
    }

    func testEncodeDecodeRoundTrip() throws {
        let configs = [
            ModelConfig(),
            ModelConfig(vocabSize: 300, dModel: 48, nLayers: 3, nHeads: 6, nKVHeads: 2, ffnHidden: 130,
                        maxSeqLen: 77, ropeTheta: 500_000, normEps: 1e-6, tiedEmbeddings: true, initStd: 0.013),
        ]
        for c in configs {
            let data = try JSONEncoder().encode(c)
            XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: data), c)
        }
    }

    func testUnknownKeyIsRejectedAndNamed() {
        XCTAssertThrowsError(try decode(#"{"nLayers": 2, "nlayers": 3}"#)) { e in
            guard let e = e as? ModelConfigError else { return XCTFail("expected ModelConfigError, got \(e)") }
            XCTAssertEqual(e.field, "nlayers")
            XCTAssertTrue(e.description.contains("nlayers"), e.description)
            XCTAssertTrue(e.description.contains("nLayers"), "should list the known keys: \(e.description)")
        }
    }

    func testWrongTypeIsRejected() {
        XCTAssertThrowsError(try decode(#"{"nLayers": "four"}"#)) { e in
            guard case DecodingError.typeMismatch(_, let ctx) = e else { return XCTFail("got \(e)") }
            XCTAssertEqual(ctx.codingPath.map(\.stringValue), ["nLayers"])
        }
    }

    func testNumberOfTheWrongKindNamesTheField() {
        let cases = [(#"{"dModel": 16.5}"#, "dModel"), (#"{"vocabSize": 99999999999999999999}"#, "vocabSize"),
                     (#"{"ropeTheta": 1e300}"#, "ropeTheta"), (#"{"nLayers": 2, "maxSeqLen": -1.5}"#, "maxSeqLen")]
        for (json, field) in cases {
            XCTAssertThrowsError(try decode(json), json) { e in
                guard let e = e as? ModelConfigError else { return XCTFail("\(json): expected ModelConfigError, got \(e)") }
                XCTAssertEqual(e.field, field, json)
            }
        }
        XCTAssertEqual(try decode(#"{"dModel": 64.0}"#).dModel, 64)
    }

    func testDecodingDoesNotValidateButValidateRejects() throws {
        // Decoding is structural only; validation is a separate step (Checkpoint.load runs it).
        let c = try decode(#"{"nHeads": 7}"#)
        XCTAssertThrowsError(try c.validate())
    }

    // MARK: - validate(), one rule at a time

    func testValidateVocabSize() {
        assertInvalid("vocabSize") { $0.vocabSize = 1 }
        assertInvalid("vocabSize") { $0.vocabSize = 0 }
        assertInvalid("vocabSize") { $0.vocabSize = -5 }
        var c = ModelConfig(); c.vocabSize = 2
        XCTAssertNoThrow(try c.validate())
    }

    func testValidateDModel() {
        assertInvalid("dModel") { $0.dModel = 0 }
        assertInvalid("dModel") { $0.dModel = -128 }
    }

    func testValidateNLayers() {
        assertInvalid("nLayers") { $0.nLayers = 0 }
        assertInvalid("nLayers") { $0.nLayers = -1 }
    }

    func testValidateHeadsDivideWidth() {
        assertInvalid("nHeads") { $0.nHeads = 0 }
        assertInvalid("nHeads") { $0.nHeads = 3 }   // 128 % 3 != 0
        assertInvalid("nHeads") { $0.nHeads = 5; $0.nKVHeads = 5 }
    }

    func testValidateHeadWidthEven() {
        // 128 / 128 = 1, odd; 24 / 8 = 3, odd.
        assertInvalid("nHeads") { $0.nHeads = 128; $0.nKVHeads = 128 }
        assertInvalid("nHeads") { $0.dModel = 24; $0.nHeads = 8; $0.nKVHeads = 8 }
        var c = ModelConfig(); c.dModel = 24; c.nHeads = 6; c.nKVHeads = 6   // width 4
        XCTAssertNoThrow(try c.validate())
    }

    func testValidateKVHeadsDivideHeads() {
        assertInvalid("nKVHeads") { $0.nKVHeads = 3 }
        assertInvalid("nKVHeads") { $0.nKVHeads = 0 }
        assertInvalid("nKVHeads") { $0.nKVHeads = -8 }
        assertInvalid("nKVHeads") { $0.nKVHeads = 16 }
        var c = ModelConfig(); c.nKVHeads = 2
        XCTAssertNoThrow(try c.validate())
    }

    func testValidateFFNHidden() {
        assertInvalid("ffnHidden") { $0.ffnHidden = 0 }
        assertInvalid("ffnHidden") { $0.ffnHidden = -1 }
    }

    func testValidateMaxSeqLen() {
        assertInvalid("maxSeqLen") { $0.maxSeqLen = 0 }
        assertInvalid("maxSeqLen") { $0.maxSeqLen = -128 }
    }

    func testValidateRopeTheta() {
        assertInvalid("ropeTheta") { $0.ropeTheta = 1 }
        assertInvalid("ropeTheta") { $0.ropeTheta = 0.5 }
        assertInvalid("ropeTheta") { $0.ropeTheta = -10_000 }
        assertInvalid("ropeTheta") { $0.ropeTheta = .nan }
        assertInvalid("ropeTheta") { $0.ropeTheta = .infinity }
    }

    func testValidateNormEps() {
        assertInvalid("normEps") { $0.normEps = 0 }
        assertInvalid("normEps") { $0.normEps = -1e-5 }
        assertInvalid("normEps") { $0.normEps = .nan }
        assertInvalid("normEps") { $0.normEps = .infinity }
    }

    func testValidateInitStd() {
        assertInvalid("initStd") { $0.initStd = 0 }
        assertInvalid("initStd") { $0.initStd = -0.02 }
        assertInvalid("initStd") { $0.initStd = .nan }
    }
}
