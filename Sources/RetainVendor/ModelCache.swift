import Foundation
import RetainCore
import RetainEngine
import RetainTokenizer

/// A content-addressed store of trained artefacts: each entry is a directory named by the hash of
/// everything that determines it (configuration, data, inputs, code version). A second run with
/// the same inputs loads instead of training.
public struct ModelCache: Sendable {
    public let root: URL

    /// `$RETAIN_CACHE`, else `~/.cache/retain`.
    public static var defaultRoot: URL {
        if let env = ProcessInfo.processInfo.environment["RETAIN_CACHE"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/retain", isDirectory: true)
    }

    public init(root: URL = ModelCache.defaultRoot) { self.root = root }

    public func directory(kind: String, key: String) -> URL {
        root.appendingPathComponent("\(kind)-\(key)", isDirectory: true)
    }

    /// Loads the model at `kind-key`, or builds it, saves it (atomically: into a temporary
    /// directory renamed into place) and returns it.
    public func model(kind: String, key: String, metadata: [String: String] = [:],
                      build: () throws -> LlamaModel) throws -> (model: LlamaModel, cached: Bool) {
        let dir = directory(kind: kind, key: key)
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(Checkpoint.weightsFile).path) {
            return (try Checkpoint.load(from: dir), true)
        }
        let model = try build()
        try publish(dir) { tmp in try Checkpoint.save(model, to: tmp, metadata: metadata.merging(["key": key]) { a, _ in a }) }
        return (model, false)
    }

    /// Loads or trains a tokenizer at `kind-key`.
    public func tokenizer(kind: String, key: String, build: () throws -> BPETokenizer) throws -> (tokenizer: BPETokenizer, cached: Bool) {
        let dir = directory(kind: kind, key: key)
        let file = dir.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: file.path) { return (try BPETokenizer.load(from: file), true) }
        let tok = try build()
        try publish(dir) { tmp in try tok.save(to: tmp.appendingPathComponent("tokenizer.json")) }
        return (tok, false)
    }

    /// Writes into a fresh temporary sibling directory, then renames it to `dir`, so a killed
    /// run never leaves a half-written entry behind.
    private func publish(_ dir: URL, write: (URL) throws -> Void) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        let tmp = root.appendingPathComponent(".tmp-\(dir.lastPathComponent)-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: tmp)
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        try write(tmp)
        if fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) }
        try fm.moveItem(at: tmp, to: dir)
    }
}
