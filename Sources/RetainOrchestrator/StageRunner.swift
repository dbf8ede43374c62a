import Foundation
import RetainCore
import RetainStore

/// What happened to one stage run during an invocation.
public struct StageReport: Codable, Sendable {
    public var kind: String
    public var label: String
    public var hash: String
    /// False when the stored result was reused.
    public var executed: Bool
    public var wallSeconds: Double
}

/// A lazily computed stage output, keyed by its content hash. Asking for `value` loads a stored
/// result or runs the stage (which asks its inputs for their values first), exactly once.
final class StageNode<Output> {
    let hash: String
    private let produce: () throws -> Output
    private var cached: Output?
    init(hash: String, produce: @escaping () throws -> Output) { self.hash = hash; self.produce = produce }
    func value() throws -> Output {
        if let cached { return cached }
        let v = try produce()
        cached = v
        return v
    }
}

/// Runs stages against the store: a stage whose hash is stored as done is loaded, anything else
/// runs and its outputs are written in one transaction with its completion, so a process killed
/// at any point leaves either a finished stage or none.
final class StageRunner {
    let store: ExperimentStore
    let log: (String) -> Void
    private(set) var reports: [StageReport] = []

    init(store: ExperimentStore, log: @escaping (String) -> Void) { self.store = store; self.log = log }

    /// The key of a stage run: its kind, code version, configuration and input keys.
    struct Key: Encodable {
        var kind: String
        var version: Int
        var config: String
        var inputs: [String]
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func hash<C: Encodable>(kind: String, version: Int, config: C, inputs: [String]) throws -> String {
        try ContentHash.of(Key(kind: kind, version: version, config: json(config), inputs: inputs))
    }

    func isDone(_ hash: String) throws -> Bool { try store.stageRun(hash: hash)?.status == .done }

    /// Loads the stored output of `hash` if it is done and `load` can rebuild it (nil means the
    /// stored output is unusable, e.g. a deleted checkpoint, and the stage reruns); otherwise gets
    /// the stage's input values with `prepare` (which may run upstream stages), marks the run as
    /// running, and runs `execute`, which returns the output, its stats and the writer of its rows.
    func run<C: Encodable, Prepared, Output>(kind: String, label: String, version: Int, config: C, inputs: [String], hash: String,
                                             load: (String) throws -> Output?,
                                             prepare: () throws -> Prepared,
                                             execute: (Prepared) throws -> (Output, stats: String?, write: (StageOutputWriter) throws -> Void)) throws -> Output {
        if try isDone(hash), let stored = try load(hash) {
            reports.append(StageReport(kind: kind, label: label, hash: hash, executed: false, wallSeconds: 0))
            return stored
        }
        let prepared = try prepare()
        try store.markRunning(hash: hash, kind: kind, configJSON: Self.json(config), inputsJSON: Self.json(inputs), codeVersion: version)
        let start = Date()
        let output: Output, stats: String?, write: (StageOutputWriter) throws -> Void
        do {
            (output, stats, write) = try execute(prepared)
        } catch {
            try? store.markFailed(hash: hash, error: "\(error)")
            throw error
        }
        let wall = Date().timeIntervalSince(start)
        try store.complete(hash: hash, wallSeconds: wall, statsJSON: stats, writing: write)
        reports.append(StageReport(kind: kind, label: label, hash: hash, executed: true, wallSeconds: wall))
        log(String(format: "%@: done in %.1f s", label, wall))
        return output
    }
}
