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
}
