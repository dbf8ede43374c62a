import Foundation

/// A model checkpoint: a directory holding `model.safetensors` (F32 tensors under Hugging Face
/// Llama names) and `config.json` (the `ModelConfig`) beside it.
public enum Checkpoint {
    public static let weightsFile = "model.safetensors"
    public static let configFile = "config.json"

    /// Writes the checkpoint atomically per file; `metadata` goes into the safetensors header.
    public static func save(_ model: LlamaModel, to directory: URL, metadata: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(model.config).write(to: directory.appendingPathComponent(configFile), options: .atomic)
        let p = UnsafePointer(model.parameters.pointer)
        let entries = model.layout.tensors.map {
            SafeTensorsWriter.Entry(name: $0.name, shape: $0.shape, values: UnsafeBufferPointer(start: p + $0.offset, count: $0.count))
        }
        try SafeTensorsWriter.write(entries, metadata: metadata.merging(["format": "pt"]) { a, _ in a },
                                    to: directory.appendingPathComponent(weightsFile))
    }

    /// Loads and validates a checkpoint: the config must be valid, every tensor the config implies
    /// must be present with the right shape, and no other tensor may be present.
    public static func load(from directory: URL) throws -> LlamaModel {
        let configURL = directory.appendingPathComponent(configFile)
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: try Data(contentsOf: configURL))
        } catch let e as ModelConfigError {
            throw CheckpointError(file: configURL.path, message: e.description)
        } catch let e as DecodingError {
            throw CheckpointError(file: configURL.path, message: describe(e))
        } catch {
            throw CheckpointError(file: configURL.path, message: "cannot read: \(error.localizedDescription)")
        }
        do { try config.validate() } catch {
            throw CheckpointError(file: configURL.path, message: "\(error)")
        }
        // Check names and shapes against the (cheap) layout before allocating anything, so a
        // config that does not match its weights fails fast instead of allocating its sizes.
        let layout = ParameterLayout(config)
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent(weightsFile))
        let expected = Set(layout.tensors.map(\.name))
        if let extra = file.tensors.map(\.name).first(where: { !expected.contains($0) }) {
            throw SafeTensorsError(file: file.path, tensor: extra,
                                   message: "unexpected tensor for this config (tiedEmbeddings = \(config.tiedEmbeddings), nLayers = \(config.nLayers))")
        }
        for t in layout.tensors {
            guard let info = file[t.name] else {
                throw SafeTensorsError(file: file.path, tensor: t.name, message: "missing (expected shape \(t.shape))")
            }
            if info.shape != t.shape {
                throw SafeTensorsError(file: file.path, tensor: t.name,
                                       message: "has shape \(info.shape) but the config in \(configFile) implies \(t.shape)")
            }
        }
        let model = try LlamaModel(config: config)
        for t in model.layout.tensors {
            let dst = UnsafeMutableBufferPointer(start: model.parameters.pointer + t.offset, count: t.count)
            try file.copyFloats(t.name, expectedShape: t.shape, into: dst)
        }
        if let bad = (0..<model.parameterCount).first(where: { !model.parameters[$0].isFinite }) {
            let t = model.layout.tensors.last { $0.offset <= bad }!
            throw SafeTensorsError(file: file.path, tensor: t.name, message: "holds a non-finite value at element \(bad - t.offset)")
        }
        return model
    }

    private static func describe(_ e: DecodingError) -> String {
        switch e {
        case let .typeMismatch(type, ctx), let .valueNotFound(type, ctx):
            if ctx.codingPath.isEmpty {
                return "expected a JSON object of config fields: \(ctx.debugDescription)"
            }
            return "field \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type)"
        case let .keyNotFound(key, _):
            return "missing field \(key.stringValue)"
        case let .dataCorrupted(ctx):
            return "not valid JSON: \(ctx.debugDescription)"
        @unknown default:
            return "\(e)"
        }
    }
}

/// A checkpoint's config file is missing or wrong.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}
