import Foundation
import XCTest
@testable import RetainEngine

final class CheckpointTests: XCTestCase {
    /// Untied head, grouped-query attention (4 query heads share 2 KV heads), head width 4.
    let gqaConfig = ModelConfig(vocabSize: 64, dModel: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, ffnHidden: 40,
                                maxSeqLen: 32)
    /// Tied embeddings, plain multi-head attention.
    let tiedConfig = ModelConfig(vocabSize: 48, dModel: 16, nLayers: 1, nHeads: 2, ffnHidden: 24, maxSeqLen: 16,
                                 tiedEmbeddings: true)

    // MARK: - Helpers

    /// A fresh empty directory, removed when the test ends.
    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("retain-checkpoint-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func weightsURL(_ dir: URL) -> URL { dir.appendingPathComponent(Checkpoint.weightsFile) }
    private func configURL(_ dir: URL) -> URL { dir.appendingPathComponent(Checkpoint.configFile) }

    /// A seeded model saved to a fresh directory.
    private func savedModel(_ config: ModelConfig, seed: UInt64 = 7,
                            metadata: [String: String] = [:]) throws -> (LlamaModel, URL) {
        let model = try LlamaModel(config: config, seed: seed)
        let dir = try temporaryDirectory()
        try Checkpoint.save(model, to: dir, metadata: metadata)
        return (model, dir)
    }

    private func batch(vocab: Int, seed: UInt64) throws -> TrainingBatch {
        var rng = SeededRandom(seed: seed)
        let B = 2, T = 8
        let tokens = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(vocab)) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.next() % UInt64(vocab)) }
        return try TrainingBatch(batchSize: B, seqLen: T, tokens: tokens, targets: targets)
    }

    /// Writes `model`'s tensors by hand: `shapes` overrides declared shapes (same element count),
    /// `dropping` omits tensors, `extra` adds tensors of the given shape filled with 0.5.
    private func writeWeights(_ model: LlamaModel, to dir: URL, shapes: [String: [Int]] = [:],
                              dropping: Set<String> = [], extra: [(name: String, shape: [Int])] = []) throws {
        let p = UnsafePointer(model.parameters.pointer)
        var entries: [SafeTensorsWriter.Entry] = []
        for t in model.layout.tensors where !dropping.contains(t.name) {
            entries.append(.init(name: t.name, shape: shapes[t.name] ?? t.shape,
                                 values: UnsafeBufferPointer(start: p + t.offset, count: t.count)))
        }
        let extraBuffers = extra.map { FloatBuffer(count: $0.shape.reduce(1, *)) }
        for (e, b) in zip(extra, extraBuffers) {
            for i in 0..<b.count { b[i] = 0.5 }
            entries.append(.init(name: e.name, shape: e.shape, values: UnsafeBufferPointer(b.buffer)))
        }
        try withExtendedLifetime(extraBuffers) {
            try SafeTensorsWriter.write(entries, metadata: ["format": "pt"], to: weightsURL(dir))
        }
    }

    /// Loads `dir` expecting an error of type `E`; returns it (nil and a failure otherwise).
    private func loadError<E: Error>(_ dir: URL, _ expected: E.Type, _ label: String = "",
                                     file: StaticString = #filePath, line: UInt = #line) -> E? {
        do {
            _ = try Checkpoint.load(from: dir)
            XCTFail("\(label): expected \(E.self), the checkpoint loaded", file: file, line: line)
        } catch let e as E {
            return e
        } catch {
            XCTFail("\(label): expected \(E.self), got \(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }

    private func assertBitIdentical(_ a: LlamaModel, _ b: LlamaModel, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.parameterCount, b.parameterCount, file: file, line: line)
        guard a.parameterCount == b.parameterCount else { return }
        let differing = (0..<a.parameterCount).first { a.parameters[$0].bitPattern != b.parameters[$0].bitPattern }
        XCTAssertNil(differing, "parameters differ at index \(differing ?? -1)", file: file, line: line)
    }

    // MARK: - Round trip

    func testRoundTripIsBitExact() throws {
        for config in [gqaConfig, tiedConfig] {
            let (model, dir) = try savedModel(config)
            let loaded = try Checkpoint.load(from: dir)
            XCTAssertEqual(loaded.config, config)
            assertBitIdentical(model, loaded)
            let b = try batch(vocab: config.vocabSize, seed: 3)
            let expected = try model.loss(b)
            let actual = try loaded.loss(b)
            XCTAssertTrue(expected.isFinite)
            XCTAssertEqual(actual.bitPattern, expected.bitPattern, "loss \(actual) vs \(expected)")
            XCTAssertEqual(loaded.lastLogits().map(\.bitPattern), model.lastLogits().map(\.bitPattern))
        }
    }

    func testSavingTwiceOverwrites() throws {
        let (_, dir) = try savedModel(gqaConfig, seed: 1)
        let second = try LlamaModel(config: gqaConfig, seed: 2)
        try Checkpoint.save(second, to: dir)
        assertBitIdentical(second, try Checkpoint.load(from: dir))
    }

    // MARK: - File contents

    func testHeaderNamesAreLayoutNamesAndMetadataIsKept() throws {
        for config in [gqaConfig, tiedConfig] {
            let (model, dir) = try savedModel(config, metadata: ["step": "120", "run": "a \"quoted\" name"])
            let file = try SafeTensorsFile(contentsOf: weightsURL(dir))
            XCTAssertEqual(file.tensors.map(\.name).sorted(), model.layout.tensors.map(\.name).sorted())
            XCTAssertEqual(file.tensors.count, model.layout.tensors.count)
            XCTAssertEqual(file["lm_head.weight"] != nil, !config.tiedEmbeddings)
            for t in model.layout.tensors {
                XCTAssertEqual(file[t.name]?.shape, t.shape, t.name)
                XCTAssertEqual(file[t.name]?.dtype, .f32, t.name)
            }
            XCTAssertEqual(file.metadata, ["format": "pt", "step": "120", "run": "a \"quoted\" name"])
            let names = Set(file.tensors.map(\.name))
            XCTAssertTrue(names.contains("model.layers.0.self_attn.k_proj.weight"))
            XCTAssertFalse(names.contains("model.layers.\(config.nLayers).input_layernorm.weight"))
        }
        let (_, plain) = try savedModel(tiedConfig)
        XCTAssertEqual(try SafeTensorsFile(contentsOf: weightsURL(plain)).metadata, ["format": "pt"])
    }

    func testConfigFileDecodesToTheConfig() throws {
        let (_, dir) = try savedModel(gqaConfig)
        let data = try Data(contentsOf: configURL(dir))
        XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: data), gqaConfig)
    }

    // MARK: - Damaged weights

    func testTruncatedWeightsNameFileAndTensor() throws {
        let (model, dir) = try savedModel(gqaConfig)
        let url = weightsURL(dir)
        let full = try Data(contentsOf: url)
        let dataOffset = try SafeTensorsFile(contentsOf: url).dataOffset

        // (cut length, tensor the error must name; nil = none)
        var cuts: [(Int, String?)] = [(0, nil), (5, nil), (8, nil), (8 + (dataOffset - 8) / 2, nil),
                                      (dataOffset - 1, nil)]
        for t in model.layout.tensors {
            if t.name == "model.embed_tokens.weight" || t.name == "model.layers.1.self_attn.k_proj.weight"
                || t.name == "model.layers.0.post_attention_layernorm.weight" || t.name == "lm_head.weight" {
                let start = dataOffset + 4 * t.offset
                cuts.append((start, t.name))                  // nothing of it left
                cuts.append((start + 2 * t.count + 1, t.name)) // mid-tensor, not on a float boundary
                cuts.append((start + 4 * t.count - 1, t.name)) // one byte short
            }
        }
        XCTAssertEqual(cuts.last?.0, full.count - 1)
        for (length, tensor) in cuts {
            try full.prefix(length).write(to: url)
            guard let e = loadError(dir, SafeTensorsError.self, "cut at \(length)") else { continue }
            XCTAssertEqual(e.file, url.path, "cut at \(length)")
            XCTAssertTrue(e.description.contains(Checkpoint.weightsFile), e.description)
            XCTAssertEqual(e.tensor, tensor, "cut at \(length): \(e)")
            if let tensor { XCTAssertTrue(e.description.contains(tensor), e.description) }
        }
    }

    func testWrongShapeNamesTensorAndBothShapes() throws {
        let model = try LlamaModel(config: gqaConfig, seed: 5)
        let dir = try temporaryDirectory()
        try Checkpoint.save(model, to: dir)
        let name = "model.layers.0.mlp.up_proj.weight"
        try writeWeights(model, to: dir, shapes: [name: [16, 40]])  // transposed; layout says [40, 16]
        let e = try XCTUnwrap(loadError(dir, SafeTensorsError.self))
        XCTAssertEqual(e.tensor, name)
        XCTAssertTrue(e.description.contains("[16, 40]"), e.description)
        XCTAssertTrue(e.description.contains("[40, 16]"), e.description)
        XCTAssertTrue(e.description.contains(Checkpoint.weightsFile), e.description)
    }

    func testMissingTensorIsNamed() throws {
        let cases: [(ModelConfig, String)] = [
            (gqaConfig, "model.layers.1.self_attn.v_proj.weight"),
            (gqaConfig, "lm_head.weight"),
            (tiedConfig, "model.norm.weight"),
        ]
        for (config, name) in cases {
            let (model, dir) = try savedModel(config)
            try writeWeights(model, to: dir, dropping: [name])
            let e = try XCTUnwrap(loadError(dir, SafeTensorsError.self, name))
            XCTAssertEqual(e.tensor, name)
            XCTAssertTrue(e.description.contains(name), e.description)
        }
    }

    func testUnexpectedTensorIsNamed() throws {
        let cases: [(ModelConfig, String, [Int])] = [
            (tiedConfig, "lm_head.weight", [48, 16]),
            (gqaConfig, "model.layers.2.input_layernorm.weight", [16]),
            (gqaConfig, "model.layers.0.self_attn.q_proj.bias", [16]),
        ]
        for (config, name, shape) in cases {
            let (model, dir) = try savedModel(config)
            try writeWeights(model, to: dir, extra: [(name, shape)])
            let e = try XCTUnwrap(loadError(dir, SafeTensorsError.self, name))
            XCTAssertEqual(e.tensor, name)
            XCTAssertTrue(e.description.contains(name), e.description)
        }
    }

    func testNonFiniteValueIsNamed() throws {
        let cases: [(String, Int, Float)] = [
            ("model.layers.1.mlp.down_proj.weight", 17, .nan),
            ("model.norm.weight", 0, .infinity),
            ("model.embed_tokens.weight", 0, -.infinity),
            ("lm_head.weight", 64 * 16 - 1, .nan),
        ]
        for (name, element, value) in cases {
            let model = try LlamaModel(config: gqaConfig, seed: 9)
            let t = try XCTUnwrap(model.layout.tensor(named: name))
            model.parameters[t.offset + element] = value
            let dir = try temporaryDirectory()
            try Checkpoint.save(model, to: dir)
            let e = try XCTUnwrap(loadError(dir, SafeTensorsError.self, name))
            XCTAssertEqual(e.tensor, name)
            XCTAssertTrue(e.description.contains(name), e.description)
            XCTAssertTrue(e.message.contains("element \(element)"), e.message)
        }
    }

    // MARK: - Damaged config

    /// Replaces config.json with `json` and expects a `CheckpointError` about it mentioning `needle`.
    private func assertConfigError(_ json: String?, mentions needle: String?, _ label: String,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let (_, dir) = try savedModel(gqaConfig)
        if let json {
            try Data(json.utf8).write(to: configURL(dir))
        } else {
            try FileManager.default.removeItem(at: configURL(dir))
        }
        guard let e = loadError(dir, CheckpointError.self, label, file: file, line: line) else { return }
        XCTAssertEqual(e.file, configURL(dir).path, label, file: file, line: line)
        XCTAssertTrue(e.description.contains(Checkpoint.configFile), "\(label): \(e)", file: file, line: line)
        if let needle {
            XCTAssertTrue(e.message.contains(needle), "\(label): \(e)", file: file, line: line)
        }
    }

    func testConfigProblemsNameConfigFile() throws {
        try assertConfigError(nil, mentions: nil, "missing file")
        try assertConfigError("{ \"vocabSize\": 64, ", mentions: "JSON", "invalid JSON")
        try assertConfigError("", mentions: "JSON", "empty file")
        try assertConfigError(#"{"vocabSize": 64, "nLayers": "four"}"#, mentions: "nLayers", "wrong type")
        try assertConfigError(#"{"vocabSize": 64, "dModel": 16.5}"#, mentions: "dModel", "fractional integer")
        try assertConfigError(#"{"vocabSize": 64, "nlayers": 2}"#, mentions: "nlayers", "unknown key")
        try assertConfigError(#"{"vocabSize": 64, "dModel": 16, "nLayers": 2, "nHeads": 3, "ffnHidden": 40}"#,
                              mentions: "nHeads", "nHeads not dividing dModel")
        try assertConfigError(#"{"vocabSize": 64, "dModel": 16, "nLayers": 2, "nHeads": 4, "ffnHidden": 40, "initStd": 0}"#,
                              mentions: "initStd", "invalid initStd")
        try assertConfigError("[1, 2]", mentions: "object", "not an object")
    }

    func testConfigThatDoesNotMatchWeightsNamesTensor() throws {
        let (_, dir) = try savedModel(gqaConfig)
        var wrong = gqaConfig
        wrong.ffnHidden = 48
        try JSONEncoder().encode(wrong).write(to: configURL(dir))
        let e = try XCTUnwrap(loadError(dir, SafeTensorsError.self))
        XCTAssertEqual(e.tensor, "model.layers.0.mlp.gate_proj.weight")
        XCTAssertTrue(e.description.contains("[40, 16]"), e.description)
        XCTAssertTrue(e.description.contains("[48, 16]"), e.description)

        // Fewer layers than the file holds: the first surplus tensor is unexpected.
        var shallow = gqaConfig
        shallow.nLayers = 1
        try JSONEncoder().encode(shallow).write(to: configURL(dir))
        let e2 = try XCTUnwrap(loadError(dir, SafeTensorsError.self))
        XCTAssertTrue(e2.tensor?.hasPrefix("model.layers.1.") ?? false, "\(e2)")
    }

    // MARK: - Never crash

    func testRandomByteFlipsNeverCrash() throws {
        let (model, dir) = try savedModel(gqaConfig)
        let wURL = weightsURL(dir), cURL = configURL(dir)
        let weights = try Data(contentsOf: wURL), config = try Data(contentsOf: cURL)
        let dataOffset = try SafeTensorsFile(contentsOf: wURL).dataOffset
        var rng = SeededRandom(seed: 2024)
        var loaded = 0, failed = 0
        for trial in 0..<200 {
            var w = weights, c = config
            let flips = 1 + Int(rng.next() % 2)
            for _ in 0..<flips {
                let mask = UInt8(1 + rng.next() % 255)
                if rng.next() % 2 == 0 {
                    w[Int(rng.next() % UInt64(dataOffset))] ^= mask
                } else {
                    c[Int(rng.next() % UInt64(c.count))] ^= mask
                }
            }
            try w.write(to: wURL)
            try c.write(to: cURL)
            do {
                let m = try Checkpoint.load(from: dir)
                loaded += 1
                // A flip that still loads (padding, metadata, a harmless config value) keeps the weights.
                if m.parameterCount == model.parameterCount {
                    assertBitIdentical(model, m)
                } else {
                    XCTFail("trial \(trial): loaded a model of a different size")
                }
            } catch is SafeTensorsError {
                failed += 1
            } catch is CheckpointError {
                failed += 1
            } catch {
                XCTFail("trial \(trial): unexpected error type \(type(of: error)): \(error)")
            }
        }
        XCTAssertGreaterThan(failed, 100, "most random flips should be rejected (\(loaded) loaded)")
    }
}
