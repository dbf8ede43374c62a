import Foundation
import RetainCore

/// Readers of stage outputs. Each returns rows in primary-key order.
extension ExperimentStore {
    /// The stage's instructions by index.
    public func instructions(stage: String) throws -> [String] {
        try database.query("SELECT text FROM instructions WHERE stage_hash = ? ORDER BY idx", stage).map { try $0.get("text") }
    }

    /// The stage's responses by (instruction, response) index.
    public func responses(stage: String) throws -> [ResponseRecord] {
        try database.query("SELECT * FROM responses WHERE stage_hash = ? ORDER BY instruction_idx, response_idx", stage)
            .map {
                ResponseRecord(instructionIndex: try $0.get("instruction_idx"), responseIndex: try $0.get("response_idx"),
                               generator: try $0.get("generator"), sampleIndex: try $0.get("sample_idx"), text: try $0.get("text"),
                               finishReason: try $0.get("finish_reason"))
            }
    }

    /// The stage's judgments by (instruction, response) index, then judge.
    public func judgments(stage: String) throws -> [JudgmentRecord] {
        try database.query("""
            SELECT * FROM judgments WHERE stage_hash = ? ORDER BY instruction_idx, response_idx, judge
            """, stage).map {
                JudgmentRecord(instructionIndex: try $0.get("instruction_idx"), responseIndex: try $0.get("response_idx"),
                               judge: try $0.get("judge"), score: try $0.get("score"), raw: try $0.get("raw"))
            }
    }

    /// The datasets a stage wrote, by hash.
    public func datasets(stage: String) throws -> [DatasetRecord] {
        try database.query("SELECT * FROM datasets WHERE stage_hash = ? ORDER BY hash", stage).map(DatasetRecord.init(row:))
    }

    /// The dataset's examples in order, or nil when no dataset has this hash.
    public func datasetExamples(hash: String) throws -> [DatasetExample]? {
        guard try database.scalar("SELECT COUNT(*) FROM datasets WHERE hash = ?", hash, as: Int.self) == 1 else { return nil }
        let decoder = JSONDecoder()
        return try database.query("SELECT idx, conversation_json, meta_json FROM examples WHERE dataset_hash = ? ORDER BY idx", hash)
            .map { row in
                let json: String = try row.get("conversation_json")
                do {
                    let conversation = try decoder.decode(Conversation.self, from: Data(json.utf8))
                    return DatasetExample(conversation: conversation, metaJSON: try row.get("meta_json"))
                } catch let error as DecodingError {
                    let idx: Int = try row.get("idx")
                    throw StoreError.invalidData("example \(idx) of dataset \(hash) is not a valid conversation: \(error)")
                }
            }
    }

    /// The dataset's conversations in order, or nil when no dataset has this hash.
    public func dataset(hash: String) throws -> [Conversation]? {
        try datasetExamples(hash: hash)?.map(\.conversation)
    }

    /// The model with this hash, if any.
    public func model(hash: String) throws -> ModelRecord? {
        try database.query("SELECT * FROM models WHERE hash = ?", hash).first.map(ModelRecord.init(row:))
    }

    /// The models a stage wrote, by hash.
    public func models(stage: String) throws -> [ModelRecord] {
        try database.query("SELECT * FROM models WHERE stage_hash = ? ORDER BY hash", stage).map(ModelRecord.init(row:))
    }

    /// The stage's predictions by (benchmark, item, variant).
    public func predictions(stage: String) throws -> [PredictionRecord] {
        try database.query("SELECT * FROM predictions WHERE stage_hash = ? ORDER BY benchmark, item_id, variant", stage)
            .map(PredictionRecord.init(row:))
    }
}

// MARK: Row decoding

extension Row {
    /// A String column decoded as an enum; an unknown raw value is an `invalidData` error.
    func get<E: RawRepresentable>(_ name: String, as type: E.Type) throws -> E where E.RawValue == String {
        let raw: String = try get(name)
        guard let value = E(rawValue: raw) else {
            throw StoreError.invalidData("column \"\(name)\" holds '\(raw)', not a valid \(E.self), in result of `\(StoreError.abbreviated(sql))`")
        }
        return value
    }
}

extension ExperimentRecord {
    init(row: Row) throws {
        self.init(id: try row.get("id"), name: try row.get("name"), specHash: try row.get("spec_hash"),
                  specText: try row.get("spec_text"), createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at"))
    }
}

extension StageRunRecord {
    init(row: Row) throws {
        self.init(hash: try row.get("hash"), kind: try row.get("kind"), configJSON: try row.get("config_json"),
                  inputsJSON: try row.get("inputs_json"), codeVersion: try row.get("code_version"),
                  status: try row.get("status", as: StageStatus.self), startedAt: try row.get("started_at"),
                  finishedAt: try row.get("finished_at"), wallSeconds: try row.get("wall_seconds"),
                  statsJSON: try row.get("stats_json"), error: try row.get("error"), attempts: try row.get("attempts"))
    }
}

extension DatasetRecord {
    init(row: Row) throws {
        self.init(hash: try row.get("hash"), stageHash: try row.get("stage_hash"), name: try row.get("name"),
                  count: try row.get("count"))
    }
}

extension ModelRecord {
    init(row: Row) throws {
        self.init(hash: try row.get("hash"), identifier: try row.get("identifier"),
                  checkpointPath: try row.get("checkpoint_path"), checkpointHash: try row.get("checkpoint_hash"))
    }
}

extension PredictionRecord {
    init(row: Row) throws {
        self.init(benchmark: try row.get("benchmark"), itemID: try row.get("item_id"),
                  variant: try row.get("variant", as: BenchmarkVariant.self), correct: try row.get("correct"),
                  correctNorm: try row.get("correct_norm"), extracted: try row.get("extracted"),
                  outputJSON: try row.get("output_json"))
    }
}

extension BenchmarkItemRecord {
    init(row: Row) throws {
        self.init(benchmark: try row.get("benchmark"), itemID: try row.get("item_id"),
                  variant: try row.get("variant", as: BenchmarkVariant.self), kind: try row.get("kind", as: BenchmarkKind.self),
                  family: try row.get("family"), payloadJSON: try row.get("payload_json"))
    }
}

extension ArmResultRecord {
    init(row: Row) throws {
        self.init(arm: try row.get("arm"), seed: try row.get("seed"), benchmark: try row.get("benchmark"),
                  kind: try row.get("kind", as: BenchmarkKind.self), evalHash: try row.get("eval_hash"))
    }
}

extension SummaryRow {
    init(row: Row) throws {
        self.init(experiment: try row.get("experiment"), arm: try row.get("arm"), seed: try row.get("seed"),
                  benchmark: try row.get("benchmark"), kind: try row.get("kind", as: BenchmarkKind.self),
                  variant: try row.get("variant", as: BenchmarkVariant.self), n: try row.get("n"),
                  accuracy: try row.get("accuracy"), nNorm: try row.get("n_norm"), accuracyNorm: try row.get("accuracy_norm"))
    }
}
