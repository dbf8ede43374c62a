import Foundation
import RetainCore

/// Inserts one stage's outputs inside `ExperimentStore.complete`'s transaction. Every row is keyed
/// by the stage's hash; the writer is only valid inside the `complete` closure.
public final class StageOutputWriter {
    /// The stage run the outputs belong to.
    public let stageHash: String
    private let database: SQLiteDatabase
    private var nextInstructionIndex = 0
    var isOpen = true

    init(database: SQLiteDatabase, stageHash: String) {
        self.database = database
        self.stageHash = stageHash
    }

    /// Appends instructions; indices continue from earlier calls (the first is 0).
    public func insertInstructions(_ texts: [String]) throws {
        try checkOpen()
        let insert = try database.prepare("INSERT INTO instructions (stage_hash, idx, text) VALUES (?, ?, ?)")
        for text in texts {
            try insert.execute([stageHash, nextInstructionIndex, text])
            nextInstructionIndex += 1
        }
    }

    /// Inserts responses; (instruction, response) index pairs must be unique within the stage.
    public func insertResponses(_ responses: [ResponseRecord]) throws {
        try checkOpen()
        let insert = try database.prepare("""
            INSERT INTO responses (stage_hash, instruction_idx, response_idx, generator, sample_idx, text, finish_reason)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for r in responses {
            try insert.execute([stageHash, r.instructionIndex, r.responseIndex, r.generator, r.sampleIndex, r.text, r.finishReason])
        }
    }

    /// Inserts judgments (a nil score is stored as NULL: unparseable).
    public func insertJudgments(_ judgments: [JudgmentRecord]) throws {
        try checkOpen()
        let insert = try database.prepare("""
            INSERT INTO judgments (stage_hash, instruction_idx, response_idx, judge, score, raw) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for j in judgments {
            try insert.execute([stageHash, j.instructionIndex, j.responseIndex, j.judge, j.score, j.raw])
        }
    }

    /// Inserts a dataset and its examples (index = position). Conversations are stored as
    /// canonical JSON (sorted keys); `family`/`source` are copied into columns for querying.
    /// Throws if a dataset with this hash was already written (by this or another stage).
    public func insertDataset(hash: String, name: String, examples: [DatasetExample]) throws {
        try checkOpen()
        if let owner = try database.scalar("SELECT stage_hash FROM datasets WHERE hash = ?", hash, as: String.self) {
            throw StoreError.invalidData("dataset \(hash) already exists (written by stage \(owner)); stage \(stageHash) cannot write it again")
        }
        try database.execute("INSERT INTO datasets (hash, stage_hash, name, count) VALUES (?, ?, ?, ?)",
                             hash, stageHash, name, examples.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let insert = try database.prepare("""
            INSERT INTO examples (dataset_hash, idx, family, source, conversation_json, meta_json) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for (idx, example) in examples.enumerated() {
            let json = String(decoding: try encoder.encode(example.conversation), as: UTF8.self)
            try insert.execute([hash, idx, example.conversation.family, example.conversation.source, json, example.metaJSON])
        }
    }

    /// `insertDataset` for conversations without metadata.
    public func insertDataset(hash: String, name: String, conversations: [Conversation]) throws {
        try insertDataset(hash: hash, name: name, examples: conversations.map { DatasetExample(conversation: $0) })
    }

    /// Inserts a model. Throws if a model with this hash was already written.
    public func insertModel(_ model: ModelRecord) throws {
        try checkOpen()
        if let owner = try database.scalar("SELECT stage_hash FROM models WHERE hash = ?", model.hash, as: String.self) {
            throw StoreError.invalidData("model \(model.hash) already exists (written by stage \(owner)); stage \(stageHash) cannot write it again")
        }
        try database.execute("""
            INSERT INTO models (hash, stage_hash, identifier, checkpoint_path, checkpoint_hash) VALUES (?, ?, ?, ?, ?)
            """, model.hash, stageHash, model.identifier, model.checkpointPath, model.checkpointHash)
    }

    /// Inserts per-item predictions; (benchmark, item, variant) must be unique within the stage.
    public func insertPredictions(_ predictions: [PredictionRecord]) throws {
        try checkOpen()
        let insert = try database.prepare("""
            INSERT INTO predictions (stage_hash, benchmark, item_id, variant, correct, correct_norm, extracted, output_json)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for p in predictions {
            try insert.execute([stageHash, p.benchmark, p.itemID, p.variant.rawValue, p.correct, p.correctNorm,
                                p.extracted, p.outputJSON])
        }
    }

    private func checkOpen() throws {
        guard isOpen else {
            throw StoreError.invalidData("the output writer of stage \(stageHash) was used after complete() returned")
        }
    }
}
