import XCTest
@testable import RetainEngine

final class ModelConfigTests: XCTestCase {
    func testDefaultsAreValid() throws {
        XCTAssertNoThrow(try ModelConfig().validate())
    }

    func testHeadsThatDoNotDivideWidthAreRejected() {
        var c = ModelConfig(); c.nHeads = 7
        XCTAssertThrowsError(try c.validate()) { e in
            XCTAssertEqual((e as? ModelConfigError)?.field, "nHeads")
        }
    }

    func testKVHeadsMustDivideHeads() {
        var c = ModelConfig(); c.nKVHeads = 3
        XCTAssertThrowsError(try c.validate()) { e in
            XCTAssertEqual((e as? ModelConfigError)?.field, "nKVHeads")
        }
    }

    func testAbsurdSizesAreRejectedBeforeAnyAllocation() {
        for (field, edit) in [("maxSeqLen", { (c: inout ModelConfig) in c.maxSeqLen = 1_000_000_000 }),
                              ("nLayers", { (c: inout ModelConfig) in c.nLayers = 100_000 }),
                              ("vocabSize", { (c: inout ModelConfig) in c.vocabSize = 1 << 30 })] {
            var c = ModelConfig(); edit(&c)
            XCTAssertThrowsError(try LlamaModel(config: c)) { e in
                XCTAssertEqual((e as? ModelConfigError)?.field, field)
            }
        }
    }
}
