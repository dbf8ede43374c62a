import Foundation
import XCTest
@testable import RetainEngine

/// The engine against PyTorch autograd: fixtures written by Fixtures/make_reference.py (float64
/// reference computed from float32 weights) hold weights, inputs, logits, loss and every gradient.
final class PyTorchReferenceTests: XCTestCase {
    struct FixtureInfo: Decodable {
        let config: ModelConfig
        let batch: Int
        let seqLen: Int
        let loss: Double
    }

    func fixtureURL(_ name: String, _ ext: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"),
                      "missing fixture \(name).\(ext)")
    }

    func check(_ name: String, threads: Int) throws {
        EngineThreads.set(threads)
        let info = try JSONDecoder().decode(FixtureInfo.self, from: Data(contentsOf: fixtureURL(name, "json")))
        let file = try SafeTensorsFile(contentsOf: fixtureURL(name, "safetensors"))
        let model = try LlamaModel(config: info.config)
        for t in model.layout.tensors {
            try file.copyFloats(t.name, expectedShape: t.shape,
                                into: UnsafeMutableBufferPointer(start: model.parameters.pointer + t.offset, count: t.count))
        }
        let batch = try TrainingBatch(batchSize: info.batch, seqLen: info.seqLen,
                                      tokens: try file.int32s("tokens"), targets: try file.int32s("targets"),
                                      weights: try file.floats("loss_weights"))
        let loss = try model.forwardBackward(batch)
        XCTAssertEqual(Double(loss), info.loss, accuracy: 1e-5 * max(1, abs(info.loss)), "\(name) loss")

        let logits = model.lastLogits(), refLogits = try file.floats("logits")
        XCTAssertEqual(logits.count, refLogits.count)
        let logitDiff = zip(logits, refLogits).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(logitDiff, 1e-4, "\(name) logits max abs diff")

        for t in model.layout.tensors {
            let ref = try file.floats("grad." + t.name)
            let got = Array(UnsafeBufferPointer(start: model.gradients.pointer + t.offset, count: t.count))
            let scale = ref.map { abs($0) }.max() ?? 0
            XCTAssertGreaterThan(scale, 0, "\(name) \(t.name): the reference gradient is all zero")
            let diff = zip(got, ref).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(diff / scale, 1e-3, "\(name) grad \(t.name): relative diff \(diff / scale)")
        }
    }

    func testUntiedGroupedQueryAttentionMatchesPyTorch() throws {
        try check("reference_gqa", threads: 1)
        try check("reference_gqa", threads: 2)
    }

    func testTiedEmbeddingsMatchPyTorch() throws {
        try check("reference_tied", threads: 2)
    }
}
